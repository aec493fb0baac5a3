//go:build amd64 && !purego

#include "textflag.h"

// func kernelRows6x16s(rows, n int, a *float32, ars, ks int, b *float32, brs, ldb int, c *float32, imgs, ais, bis int)
// c[i*16 + j] += sum over m < imgs, r < rows, k < n of
// a[m*ais + r*ars + k*ks + i] * b[m*bis + r*brs + k*ldb + j], for i < 6,
// j < 16 (strides in elements). As kernel6x16s with A's six values a k
// next to each other and both operands read in place along two more,
// outer axes: Y0..Y11 accumulate, Y12/Y13 hold b's 16 values, Y14/Y15 a
// broadcast value of A; SI/DI walk a row of A and b, R13/R14 hold the
// rows' starts, DX/R8 the images', AX counts images.
TEXT ·kernelRows6x16s(SB), NOSPLIT, $0-96
	MOVQ imgs+72(FP), AX
	MOVQ a+16(FP), DX
	MOVQ b+40(FP), R8
	MOVQ ais+80(FP), R13
	SHLQ $2, R13
	MOVQ R13, ais+80(FP)
	MOVQ bis+88(FP), R13
	SHLQ $2, R13
	MOVQ R13, bis+88(FP)
	MOVQ n+8(FP), R15
	MOVQ ars+24(FP), R9
	SHLQ $2, R9
	MOVQ ks+32(FP), R10
	SHLQ $2, R10
	MOVQ brs+48(FP), R11
	SHLQ $2, R11
	MOVQ ldb+56(FP), R12
	SHLQ $2, R12
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
rimg:
	MOVQ rows+0(FP), BX
	MOVQ DX, R13
	MOVQ R8, R14
rrow:
	MOVQ R13, SI
	MOVQ R14, DI
	MOVQ R15, CX
rloop:
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS 0(SI), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VBROADCASTSS 4(SI), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS 8(SI), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	VBROADCASTSS 12(SI), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VBROADCASTSS 16(SI), Y14
	VFMADD231PS Y12, Y14, Y8
	VFMADD231PS Y13, Y14, Y9
	VBROADCASTSS 20(SI), Y15
	VFMADD231PS Y12, Y15, Y10
	VFMADD231PS Y13, Y15, Y11
	ADDQ R10, SI
	ADDQ R12, DI
	DECQ CX
	JNE rloop
	ADDQ R9, R13
	ADDQ R11, R14
	DECQ BX
	JNE rrow
	ADDQ ais+80(FP), DX
	ADDQ bis+88(FP), R8
	DECQ AX
	JNE rimg
	MOVQ c+64(FP), DX
	VADDPS 0(DX), Y0, Y0
	VMOVUPS Y0, 0(DX)
	VADDPS 32(DX), Y1, Y1
	VMOVUPS Y1, 32(DX)
	VADDPS 64(DX), Y2, Y2
	VMOVUPS Y2, 64(DX)
	VADDPS 96(DX), Y3, Y3
	VMOVUPS Y3, 96(DX)
	VADDPS 128(DX), Y4, Y4
	VMOVUPS Y4, 128(DX)
	VADDPS 160(DX), Y5, Y5
	VMOVUPS Y5, 160(DX)
	VADDPS 192(DX), Y6, Y6
	VMOVUPS Y6, 192(DX)
	VADDPS 224(DX), Y7, Y7
	VMOVUPS Y7, 224(DX)
	VADDPS 256(DX), Y8, Y8
	VMOVUPS Y8, 256(DX)
	VADDPS 288(DX), Y9, Y9
	VMOVUPS Y9, 288(DX)
	VADDPS 320(DX), Y10, Y10
	VMOVUPS Y10, 320(DX)
	VADDPS 352(DX), Y11, Y11
	VMOVUPS Y11, 352(DX)
	VZEROUPPER
	RET
