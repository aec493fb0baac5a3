//go:build amd64 && !purego

#include "textflag.h"

// func narrowRows4(rows int, a *float32, lda, k int, bt *float32, c *float32, ldc int)
// c[i*ldc + j] = sum over kk < k of a[i*lda + kk] * bt[j*k + kk], for
// i < rows, j < 4 (k a multiple of 8): a product with four columns, as
// four dot products a row. Y0..Y3 accumulate the row's four columns over
// vectors of 8, Y4 holds the row's vector; BX, R8, R9, R10 point at bt's
// four rows. The four sums are reduced with horizontal adds into X6.
TEXT ·narrowRows4(SB), NOSPLIT, $0-56
	MOVQ rows+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R11
	SHLQ $2, R11
	MOVQ k+24(FP), R12
	SHLQ $2, R12
	MOVQ bt+32(FP), BX
	LEAQ (BX)(R12*1), R8
	LEAQ (R8)(R12*1), R9
	LEAQ (R9)(R12*1), R10
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), R13
	SHLQ $2, R13
nrow:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ DX, DX
nk:
	VMOVUPS (SI)(DX*1), Y4
	VFMADD231PS (BX)(DX*1), Y4, Y0
	VFMADD231PS (R8)(DX*1), Y4, Y1
	VFMADD231PS (R9)(DX*1), Y4, Y2
	VFMADD231PS (R10)(DX*1), Y4, Y3
	ADDQ $32, DX
	CMPQ DX, R12
	JLT nk
	VHADDPS Y1, Y0, Y4
	VHADDPS Y3, Y2, Y5
	VHADDPS Y5, Y4, Y6
	VEXTRACTF128 $1, Y6, X7
	VADDPS X7, X6, X6
	VMOVUPS X6, (DI)
	ADDQ R11, SI
	ADDQ R13, DI
	DECQ CX
	JNE nrow
	VZEROUPPER
	RET


// func narrowGrad4x8(rows int, a *float32, lda int, b *float32, ldb int, ct *float32)
// ct[j*8 + i] = sum over r < rows of a[r*lda + i] * b[r*ldb + j], for
// i < 8, j < 4: the transposed product of a's 8 columns and b's 4 (a
// kernel's gradient with four output values). Y(4g+j) accumulates
// columns 8g..8g+7 for output j; Y12..Y15 hold b's row, broadcast.
TEXT ·narrowGrad4x8(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R11
	SHLQ $2, R11
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R12
	SHLQ $2, R12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
g8row:
	VBROADCASTSS 0(DI), Y12
	VBROADCASTSS 4(DI), Y13
	VBROADCASTSS 8(DI), Y14
	VBROADCASTSS 12(DI), Y15
	VFMADD231PS 0(SI), Y12, Y0
	VFMADD231PS 0(SI), Y13, Y1
	VFMADD231PS 0(SI), Y14, Y2
	VFMADD231PS 0(SI), Y15, Y3
	ADDQ R11, SI
	ADDQ R12, DI
	DECQ CX
	JNE g8row
	MOVQ ct+40(FP), DX
	VMOVUPS Y0, 0(DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VZEROUPPER
	RET

// func narrowGrad4x16(rows int, a *float32, lda int, b *float32, ldb int, ct *float32)
// ct[j*16 + i] = sum over r < rows of a[r*lda + i] * b[r*ldb + j], for
// i < 16, j < 4: the transposed product of a's 16 columns and b's 4 (a
// kernel's gradient with four output values). Y(4g+j) accumulates
// columns 8g..8g+7 for output j; Y12..Y15 hold b's row, broadcast.
TEXT ·narrowGrad4x16(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R11
	SHLQ $2, R11
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R12
	SHLQ $2, R12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
g16row:
	VBROADCASTSS 0(DI), Y12
	VBROADCASTSS 4(DI), Y13
	VBROADCASTSS 8(DI), Y14
	VBROADCASTSS 12(DI), Y15
	VFMADD231PS 0(SI), Y12, Y0
	VFMADD231PS 0(SI), Y13, Y1
	VFMADD231PS 0(SI), Y14, Y2
	VFMADD231PS 0(SI), Y15, Y3
	VFMADD231PS 32(SI), Y12, Y4
	VFMADD231PS 32(SI), Y13, Y5
	VFMADD231PS 32(SI), Y14, Y6
	VFMADD231PS 32(SI), Y15, Y7
	ADDQ R11, SI
	ADDQ R12, DI
	DECQ CX
	JNE g16row
	MOVQ ct+40(FP), DX
	VMOVUPS Y0, 0(DX)
	VMOVUPS Y1, 64(DX)
	VMOVUPS Y2, 128(DX)
	VMOVUPS Y3, 192(DX)
	VMOVUPS Y4, 32(DX)
	VMOVUPS Y5, 96(DX)
	VMOVUPS Y6, 160(DX)
	VMOVUPS Y7, 224(DX)
	VZEROUPPER
	RET

// func narrowGrad4x24(rows int, a *float32, lda int, b *float32, ldb int, ct *float32)
// ct[j*24 + i] = sum over r < rows of a[r*lda + i] * b[r*ldb + j], for
// i < 24, j < 4: the transposed product of a's 24 columns and b's 4 (a
// kernel's gradient with four output values). Y(4g+j) accumulates
// columns 8g..8g+7 for output j; Y12..Y15 hold b's row, broadcast.
TEXT ·narrowGrad4x24(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R11
	SHLQ $2, R11
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R12
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
g24row:
	VBROADCASTSS 0(DI), Y12
	VBROADCASTSS 4(DI), Y13
	VBROADCASTSS 8(DI), Y14
	VBROADCASTSS 12(DI), Y15
	VFMADD231PS 0(SI), Y12, Y0
	VFMADD231PS 0(SI), Y13, Y1
	VFMADD231PS 0(SI), Y14, Y2
	VFMADD231PS 0(SI), Y15, Y3
	VFMADD231PS 32(SI), Y12, Y4
	VFMADD231PS 32(SI), Y13, Y5
	VFMADD231PS 32(SI), Y14, Y6
	VFMADD231PS 32(SI), Y15, Y7
	VFMADD231PS 64(SI), Y12, Y8
	VFMADD231PS 64(SI), Y13, Y9
	VFMADD231PS 64(SI), Y14, Y10
	VFMADD231PS 64(SI), Y15, Y11
	ADDQ R11, SI
	ADDQ R12, DI
	DECQ CX
	JNE g24row
	MOVQ ct+40(FP), DX
	VMOVUPS Y0, 0(DX)
	VMOVUPS Y1, 96(DX)
	VMOVUPS Y2, 192(DX)
	VMOVUPS Y3, 288(DX)
	VMOVUPS Y4, 32(DX)
	VMOVUPS Y5, 128(DX)
	VMOVUPS Y6, 224(DX)
	VMOVUPS Y7, 320(DX)
	VMOVUPS Y8, 64(DX)
	VMOVUPS Y9, 160(DX)
	VMOVUPS Y10, 256(DX)
	VMOVUPS Y11, 352(DX)
	VZEROUPPER
	RET
