//go:build amd64 && !purego

#include "textflag.h"

// func kernelIndirect6x16s(taps, seg int, ptrs **float32, b *float32, c *float32, ldc int)
// c[0:6, 0:16] (row stride ldc) = the product of the 6 x (taps*seg) block
// whose row r is the concatenation over taps t of the seg values at
// ptrs[t*6+r], and the (taps*seg) x 16 panel b (row stride 16). As
// kernel6x16s: Y0..Y11 accumulate the tile, Y12/Y13 hold a row of b,
// Y14/Y15 a broadcast value; AX, BX, SI, R9, R10, R11 point at the six
// rows' segments of the current tap, R12 indexes within them.
TEXT ·kernelIndirect6x16s(SB), NOSPLIT, $0-48
	MOVQ taps+0(FP), R13
	MOVQ seg+8(FP), R15
	MOVQ ptrs+16(FP), R14
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ R13, R13
	JE istore
itap:
	MOVQ 0(R14), AX
	MOVQ 8(R14), BX
	MOVQ 16(R14), SI
	MOVQ 24(R14), R9
	MOVQ 32(R14), R10
	MOVQ 40(R14), R11
	XORQ R12, R12
iloop:
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS (AX)(R12*4), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VBROADCASTSS (BX)(R12*4), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS (SI)(R12*4), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	VBROADCASTSS (R9)(R12*4), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VBROADCASTSS (R10)(R12*4), Y14
	VFMADD231PS Y12, Y14, Y8
	VFMADD231PS Y13, Y14, Y9
	VBROADCASTSS (R11)(R12*4), Y15
	VFMADD231PS Y12, Y15, Y10
	VFMADD231PS Y13, Y15, Y11
	ADDQ $64, DI
	INCQ R12
	CMPQ R12, R15
	JLT iloop
	ADDQ $48, R14
	DECQ R13
	JNE itap
istore:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	RET
