//go:build amd64 && !purego

#include "textflag.h"

// GOMAX(a, b, r) sets r to Go's max(a, b), lane by lane, exactly as the Go
// compiler lowers it for float32 (NaN if either is NaN, +0 over -0):
// -(m1 | min(m1, -a)) with m1 = min(-a, -b), min being MINPS (the second
// operand when either is NaN or both are zeros). Z31 holds the sign bits;
// Z27..Z29 are scratch.
#define GOMAX(a, b, r) \
	VPXORD Z31, a, Z27 \
	VPXORD Z31, b, Z28 \
	VMINPS Z28, Z27, Z29 \
	VMINPS Z27, Z29, Z28 \
	VPORD Z29, Z28, r \
	VPXORD Z31, r, r

// func pool2x2RowZ(out, top, bot *float32, ow, c int)
// out[j*c+k] = max(max(top[2jc+k], top[2jc+c+k]), max(bot[2jc+k], bot[2jc+c+k]))
// for j < ow and k < c; c is a multiple of 16.
TEXT ·pool2x2RowZ(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ top+8(FP), SI
	MOVQ bot+16(FP), DX
	MOVQ ow+24(FP), CX
	MOVQ c+32(FP), R8
	SHLQ $2, R8           // c in bytes
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	TESTQ CX, CX
	JE pdone
pcol:
	XORQ R9, R9           // byte offset within the channels
pch:
	VMOVUPS (SI)(R9*1), Z0
	LEAQ (SI)(R8*1), R10
	VMOVUPS (R10)(R9*1), Z1
	VMOVUPS (DX)(R9*1), Z2
	LEAQ (DX)(R8*1), R11
	VMOVUPS (R11)(R9*1), Z3
	GOMAX(Z0, Z1, Z4)
	GOMAX(Z2, Z3, Z5)
	GOMAX(Z4, Z5, Z6)
	VMOVUPS Z6, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, R8
	JLT pch
	ADDQ R8, DI
	LEAQ (SI)(R8*2), SI
	LEAQ (DX)(R8*2), DX
	DECQ CX
	JNE pcol
pdone:
	VZEROUPPER
	RET

// func scatter2x2RowZ(src, top, bot, otop, obot *float32, ow, c int)
// For each window (j, k): the maximum m of its four values as above; src's
// value goes to the first of the four (top left, top right, bottom left,
// bottom right) equal to m, or to the last when none is (NaN), and zero to
// the others, in otop and obot (laid out as top and bot).
TEXT ·scatter2x2RowZ(SB), NOSPLIT, $0-56
	MOVQ src+0(FP), DI
	MOVQ top+8(FP), SI
	MOVQ bot+16(FP), DX
	MOVQ otop+24(FP), R12
	MOVQ obot+32(FP), R13
	MOVQ ow+40(FP), CX
	MOVQ c+48(FP), R8
	SHLQ $2, R8
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	TESTQ CX, CX
	JE sdone
scol:
	XORQ R9, R9
	LEAQ (SI)(R8*1), R10
	LEAQ (DX)(R8*1), R11
	LEAQ (R12)(R8*1), R14
	LEAQ (R13)(R8*1), R15
sch:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (R10)(R9*1), Z1
	VMOVUPS (DX)(R9*1), Z2
	VMOVUPS (R11)(R9*1), Z3
	VMOVUPS (DI)(R9*1), Z7
	GOMAX(Z0, Z1, Z4)
	GOMAX(Z2, Z3, Z5)
	GOMAX(Z4, Z5, Z6)
	VCMPPS $0, Z6, Z0, K1  // t0 = x0 == m (ordered)
	VCMPPS $0, Z6, Z1, K2
	VCMPPS $0, Z6, Z2, K3
	KANDNW K2, K1, K2      // t1 = eq1 &^ t0
	KORW K1, K2, K4        // t0 | t1
	KANDNW K3, K4, K3      // t2 = eq2 &^ (t0 | t1)
	KORW K4, K3, K4        // t0 | t1 | t2
	KNOTW K4, K4           // t3
	VMOVUPS.Z Z7, K1, Z8
	VMOVUPS Z8, (R12)(R9*1)
	VMOVUPS.Z Z7, K2, Z8
	VMOVUPS Z8, (R14)(R9*1)
	VMOVUPS.Z Z7, K3, Z8
	VMOVUPS Z8, (R13)(R9*1)
	VMOVUPS.Z Z7, K4, Z8
	VMOVUPS Z8, (R15)(R9*1)
	ADDQ $64, R9
	CMPQ R9, R8
	JLT sch
	ADDQ R8, DI
	LEAQ (SI)(R8*2), SI
	LEAQ (DX)(R8*2), DX
	LEAQ (R12)(R8*2), R12
	LEAQ (R13)(R8*2), R13
	DECQ CX
	JNE scol
sdone:
	VZEROUPPER
	RET
