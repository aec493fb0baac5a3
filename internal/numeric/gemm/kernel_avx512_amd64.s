//go:build amd64 && !purego

#include "textflag.h"

// func kernel6x16z(kn int, a *float32, rs, ks int, b *float32, ldb int, c *float32, ldc int, acc int)
// The AVX-512 form of kernel6x16s, same arguments and result: c[0:6, 0:16]
// = (or += when acc != 0) the 6 x kn block of A (element (r, k) at
// a[r*rs + k*ks]) times the kn x 16 panel b (row stride ldb). One 16-wide register
// holds a row of the tile; k is unrolled by two into two sets of six
// accumulators (Z0..Z5 for even k, Z6..Z11 for odd k: twelve independent
// chains keep both FMA units busy), summed at the end. A's values are
// broadcast by the FMAs themselves (embedded broadcast).
TEXT ·kernel6x16z(SB), NOSPLIT, $0-72
	MOVQ kn+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rs+16(FP), R9
	SHLQ $2, R9
	MOVQ ks+24(FP), R10
	SHLQ $2, R10
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R12
	SHLQ $2, R12
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R8
	SHLQ $2, R8
	LEAQ (SI)(R9*2), R11
	ADDQ R9, R11
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	MOVQ CX, BX
	SHRQ $1, BX
	JE ztail
zpair:
	VMOVUPS (DI), Z12
	VMOVUPS (DI)(R12*1), Z13
	VFMADD231PS.BCST (SI), Z12, Z0
	VFMADD231PS.BCST (SI)(R9*1), Z12, Z1
	VFMADD231PS.BCST (SI)(R9*2), Z12, Z2
	VFMADD231PS.BCST (R11), Z12, Z3
	VFMADD231PS.BCST (SI)(R9*4), Z12, Z4
	VFMADD231PS.BCST (R11)(R9*2), Z12, Z5
	ADDQ R10, SI
	ADDQ R10, R11
	VFMADD231PS.BCST (SI), Z13, Z6
	VFMADD231PS.BCST (SI)(R9*1), Z13, Z7
	VFMADD231PS.BCST (SI)(R9*2), Z13, Z8
	VFMADD231PS.BCST (R11), Z13, Z9
	VFMADD231PS.BCST (SI)(R9*4), Z13, Z10
	VFMADD231PS.BCST (R11)(R9*2), Z13, Z11
	ADDQ R10, SI
	ADDQ R10, R11
	LEAQ (DI)(R12*2), DI
	DECQ BX
	JNE zpair
ztail:
	TESTQ $1, CX
	JE zsum
	VMOVUPS (DI), Z12
	VFMADD231PS.BCST (SI), Z12, Z0
	VFMADD231PS.BCST (SI)(R9*1), Z12, Z1
	VFMADD231PS.BCST (SI)(R9*2), Z12, Z2
	VFMADD231PS.BCST (R11), Z12, Z3
	VFMADD231PS.BCST (SI)(R9*4), Z12, Z4
	VFMADD231PS.BCST (R11)(R9*2), Z12, Z5
zsum:
	VADDPS Z6, Z0, Z0
	VADDPS Z7, Z1, Z1
	VADDPS Z8, Z2, Z2
	VADDPS Z9, Z3, Z3
	VADDPS Z10, Z4, Z4
	VADDPS Z11, Z5, Z5
	MOVQ acc+64(FP), AX
	TESTQ AX, AX
	JE zoverwrite
	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VADDPS (DX), Z1, Z1
	VMOVUPS Z1, (DX)
	ADDQ R8, DX
	VADDPS (DX), Z2, Z2
	VMOVUPS Z2, (DX)
	ADDQ R8, DX
	VADDPS (DX), Z3, Z3
	VMOVUPS Z3, (DX)
	ADDQ R8, DX
	VADDPS (DX), Z4, Z4
	VMOVUPS Z4, (DX)
	ADDQ R8, DX
	VADDPS (DX), Z5, Z5
	VMOVUPS Z5, (DX)
	VZEROUPPER
	RET
zoverwrite:
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VMOVUPS Z1, (DX)
	ADDQ R8, DX
	VMOVUPS Z2, (DX)
	ADDQ R8, DX
	VMOVUPS Z3, (DX)
	ADDQ R8, DX
	VMOVUPS Z4, (DX)
	ADDQ R8, DX
	VMOVUPS Z5, (DX)
	VZEROUPPER
	RET
