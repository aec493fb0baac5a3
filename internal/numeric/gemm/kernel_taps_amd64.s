//go:build amd64 && !purego

#include "textflag.h"

// func tapsForward4x16(groups, taps int, offs *int, x *float32, k *float32, c *float32, ldc int)
// For each group g of four output positions p = 4g..4g+3:
// c[p*ldc + j] = sum over t < taps of x[offs[t] + p] * k[t*16 + j], j < 16.
// Y0..Y7 accumulate the four rows, Y8/Y9 hold tap t's 16 kernel values,
// Y10..Y13 the four positions' input values; SI points at the group's
// first input value, BX at tap t's, DI walks k, R12 walks offs.
TEXT ·tapsForward4x16(SB), NOSPLIT, $0-56
	MOVQ groups+0(FP), R13
	MOVQ taps+8(FP), R15
	MOVQ offs+16(FP), R14
	MOVQ x+24(FP), SI
	MOVQ k+32(FP), R11
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R8
	SHLQ $2, R8
fgroup:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ R14, R12
	MOVQ R11, DI
	MOVQ R15, CX
ftap:
	MOVQ (R12), AX
	LEAQ (SI)(AX*4), BX
	VMOVUPS (DI), Y8
	VMOVUPS 32(DI), Y9
	VBROADCASTSS 0(BX), Y10
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VBROADCASTSS 4(BX), Y11
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VBROADCASTSS 8(BX), Y12
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VBROADCASTSS 12(BX), Y13
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ $64, DI
	ADDQ $8, R12
	DECQ CX
	JNE ftap
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
	ADDQ $16, SI
	DECQ R13
	JNE fgroup
	VZEROUPPER
	RET

// func tapsGrad3x16(rows, n int, x *float32, xrs int, offs *int, dy *float32, ldd int, c *float32, ldc int)
// c[t*ldc + j] += sum over r < rows, p < n of
// x[r*xrs + offs[t] + p] * dy[(r*n + p)*ldd + j], for t < 3, j < 16.
// Positions go in pairs: Y0..Y5 accumulate the even ones (tap t in
// Y(2t), Y(2t+1)), Y6..Y11 the odd ones, summed at the end; Y12/Y13 hold
// a position's dy, Y14/Y15 input values. AX, BX, CX point at the three
// taps' values of the current row, R14 indexes the row, DI walks dy.
TEXT ·tapsGrad3x16(SB), NOSPLIT, $0-72
	MOVQ rows+0(FP), R13
	MOVQ n+8(FP), R15
	MOVQ x+16(FP), SI
	MOVQ xrs+24(FP), R12
	SHLQ $2, R12
	MOVQ offs+32(FP), DX
	MOVQ 0(DX), R9
	MOVQ 8(DX), R10
	MOVQ 16(DX), R11
	MOVQ dy+40(FP), DI
	MOVQ ldd+48(FP), R8
	SHLQ $2, R8
	MOVQ R15, DX
	DECQ DX
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
grow:
	LEAQ (SI)(R9*4), AX
	LEAQ (SI)(R10*4), BX
	LEAQ (SI)(R11*4), CX
	XORQ R14, R14
	CMPQ R14, DX
	JGE gsingle
gpair:
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS 0(AX)(R14*4), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VBROADCASTSS 0(BX)(R14*4), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS 0(CX)(R14*4), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	ADDQ R8, DI
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS 4(AX)(R14*4), Y14
	VFMADD231PS Y12, Y14, Y6
	VFMADD231PS Y13, Y14, Y7
	VBROADCASTSS 4(BX)(R14*4), Y15
	VFMADD231PS Y12, Y15, Y8
	VFMADD231PS Y13, Y15, Y9
	VBROADCASTSS 4(CX)(R14*4), Y14
	VFMADD231PS Y12, Y14, Y10
	VFMADD231PS Y13, Y14, Y11
	ADDQ R8, DI
	ADDQ $2, R14
	CMPQ R14, DX
	JLT gpair
gsingle:
	CMPQ R14, R15
	JGE gnext
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS 0(AX)(R14*4), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VBROADCASTSS 0(BX)(R14*4), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS 0(CX)(R14*4), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	ADDQ R8, DI
gnext:
	ADDQ R12, SI
	DECQ R13
	JNE grow
	MOVQ c+56(FP), DX
	MOVQ ldc+64(FP), R8
	SHLQ $2, R8
	VADDPS Y6, Y0, Y0
	VADDPS 0(DX), Y0, Y0
	VMOVUPS Y0, 0(DX)
	VADDPS Y7, Y1, Y1
	VADDPS 32(DX), Y1, Y1
	VMOVUPS Y1, 32(DX)
	ADDQ R8, DX
	VADDPS Y8, Y2, Y2
	VADDPS 0(DX), Y2, Y2
	VMOVUPS Y2, 0(DX)
	VADDPS Y9, Y3, Y3
	VADDPS 32(DX), Y3, Y3
	VMOVUPS Y3, 32(DX)
	ADDQ R8, DX
	VADDPS Y10, Y4, Y4
	VADDPS 0(DX), Y4, Y4
	VMOVUPS Y4, 0(DX)
	VADDPS Y11, Y5, Y5
	VADDPS 32(DX), Y5, Y5
	VMOVUPS Y5, 32(DX)
	VZEROUPPER
	RET
