//go:build amd64 && !purego

#include "textflag.h"

// func winoInput8(count int, r0, r1, r2, r3 *float32, c int, dst *float32, plane int)
// WinoInput's transforms, eight channels at a time: r0..r3 point at the
// four input rows of tile 0 (kept in the argument frame and moved on by
// two columns a tile); AX, BX, CX, DX point at the current tile's and
// channels', R8/R9 hold one and three columns' strides, R12 walks the 16
// output planes (R10/R11: one and three planes' strides). Per output row
// r of B' d, Y0..Y3 hold its four columns and Y4..Y7 the row of
// (B' d) B.
TEXT ·winoInput8(SB), NOSPLIT, $0-64
	MOVQ count+0(FP), R14
	MOVQ c+40(FP), R15
	SHLQ $2, R15
	MOVQ R15, R8
	LEAQ (R8)(R8*2), R9
	MOVQ dst+48(FP), DI
	MOVQ plane+56(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11
itile:
	XORQ R13, R13
ich:
	MOVQ r0+8(FP), AX
	ADDQ R13, AX
	MOVQ r1+16(FP), BX
	ADDQ R13, BX
	MOVQ r2+24(FP), CX
	ADDQ R13, CX
	MOVQ r3+32(FP), DX
	ADDQ R13, DX
	LEAQ (DI)(R13*1), R12
	VMOVUPS (AX), Y0
	VSUBPS (CX), Y0, Y0
	VMOVUPS (AX)(R8*1), Y1
	VSUBPS (CX)(R8*1), Y1, Y1
	VMOVUPS (AX)(R8*2), Y2
	VSUBPS (CX)(R8*2), Y2, Y2
	VMOVUPS (AX)(R9*1), Y3
	VSUBPS (CX)(R9*1), Y3, Y3
	VSUBPS Y2, Y0, Y4
	VADDPS Y2, Y1, Y5
	VSUBPS Y1, Y2, Y6
	VSUBPS Y3, Y1, Y7
	VMOVUPS Y4, (R12)
	VMOVUPS Y5, (R12)(R10*1)
	VMOVUPS Y6, (R12)(R10*2)
	VMOVUPS Y7, (R12)(R11*1)
	LEAQ (R12)(R10*4), R12
	VMOVUPS (BX), Y0
	VADDPS (CX), Y0, Y0
	VMOVUPS (BX)(R8*1), Y1
	VADDPS (CX)(R8*1), Y1, Y1
	VMOVUPS (BX)(R8*2), Y2
	VADDPS (CX)(R8*2), Y2, Y2
	VMOVUPS (BX)(R9*1), Y3
	VADDPS (CX)(R9*1), Y3, Y3
	VSUBPS Y2, Y0, Y4
	VADDPS Y2, Y1, Y5
	VSUBPS Y1, Y2, Y6
	VSUBPS Y3, Y1, Y7
	VMOVUPS Y4, (R12)
	VMOVUPS Y5, (R12)(R10*1)
	VMOVUPS Y6, (R12)(R10*2)
	VMOVUPS Y7, (R12)(R11*1)
	LEAQ (R12)(R10*4), R12
	VMOVUPS (CX), Y0
	VSUBPS (BX), Y0, Y0
	VMOVUPS (CX)(R8*1), Y1
	VSUBPS (BX)(R8*1), Y1, Y1
	VMOVUPS (CX)(R8*2), Y2
	VSUBPS (BX)(R8*2), Y2, Y2
	VMOVUPS (CX)(R9*1), Y3
	VSUBPS (BX)(R9*1), Y3, Y3
	VSUBPS Y2, Y0, Y4
	VADDPS Y2, Y1, Y5
	VSUBPS Y1, Y2, Y6
	VSUBPS Y3, Y1, Y7
	VMOVUPS Y4, (R12)
	VMOVUPS Y5, (R12)(R10*1)
	VMOVUPS Y6, (R12)(R10*2)
	VMOVUPS Y7, (R12)(R11*1)
	LEAQ (R12)(R10*4), R12
	VMOVUPS (BX), Y0
	VSUBPS (DX), Y0, Y0
	VMOVUPS (BX)(R8*1), Y1
	VSUBPS (DX)(R8*1), Y1, Y1
	VMOVUPS (BX)(R8*2), Y2
	VSUBPS (DX)(R8*2), Y2, Y2
	VMOVUPS (BX)(R9*1), Y3
	VSUBPS (DX)(R9*1), Y3, Y3
	VSUBPS Y2, Y0, Y4
	VADDPS Y2, Y1, Y5
	VSUBPS Y1, Y2, Y6
	VSUBPS Y3, Y1, Y7
	VMOVUPS Y4, (R12)
	VMOVUPS Y5, (R12)(R10*1)
	VMOVUPS Y6, (R12)(R10*2)
	VMOVUPS Y7, (R12)(R11*1)
	ADDQ $32, R13
	CMPQ R13, R15
	JLT ich
	LEAQ (R15)(R15*1), AX
	ADDQ AX, r0+8(FP)
	ADDQ AX, r1+16(FP)
	ADDQ AX, r2+24(FP)
	ADDQ AX, r3+32(FP)
	ADDQ R15, DI
	DECQ R14
	JNE itile
	VZEROUPPER
	RET

// func winoOutputRow8(count int, src *float32, plane, srcStep, c int, dst *float32, rowStride, colStep int)
// WinoOutputRow's transforms, eight channels at a time, for count whole
// tiles along an output row: tile i's points
// start at src + i*srcStep, its outputs (0,0), (0,1), (1,0), (1,1) go to
// dst + 2i*colStep, + colStep, + rowStride, + rowStride + colStep (all in
// elements). DI, R10, R11, R12 point at tile i's four outputs; the
// per-tile steps are kept in the argument frame.
TEXT ·winoOutputRow8(SB), NOSPLIT, $0-64
	MOVQ src+8(FP), SI
	MOVQ plane+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	MOVQ srcStep+24(FP), R15
	SHLQ $2, R15
	MOVQ R15, srcStep+24(FP)
	MOVQ c+32(FP), R15
	SHLQ $2, R15
	MOVQ dst+40(FP), DI
	MOVQ rowStride+48(FP), R13
	SHLQ $2, R13
	MOVQ colStep+56(FP), R10
	SHLQ $2, R10
	LEAQ (DI)(R13*1), R11
	LEAQ (R11)(R10*1), R12
	SHLQ $1, R10
	MOVQ R10, colStep+56(FP)
	SHRQ $1, R10
	ADDQ DI, R10
	MOVQ count+0(FP), R13
rtile:
	XORQ R14, R14
rch:
	LEAQ (SI)(R14*1), AX
	LEAQ (AX)(R8*4), BX
	LEAQ (BX)(R8*4), CX
	LEAQ (CX)(R8*4), DX
	VMOVUPS (BX), Y8
	VMOVUPS (CX), Y9
	VADDPS Y9, Y8, Y0
	VADDPS (AX), Y0, Y0
	VSUBPS Y9, Y8, Y4
	VSUBPS (DX), Y4, Y4
	VMOVUPS (BX)(R8*1), Y8
	VMOVUPS (CX)(R8*1), Y9
	VADDPS Y9, Y8, Y1
	VADDPS (AX)(R8*1), Y1, Y1
	VSUBPS Y9, Y8, Y5
	VSUBPS (DX)(R8*1), Y5, Y5
	VMOVUPS (BX)(R8*2), Y8
	VMOVUPS (CX)(R8*2), Y9
	VADDPS Y9, Y8, Y2
	VADDPS (AX)(R8*2), Y2, Y2
	VSUBPS Y9, Y8, Y6
	VSUBPS (DX)(R8*2), Y6, Y6
	VMOVUPS (BX)(R9*1), Y8
	VMOVUPS (CX)(R9*1), Y9
	VADDPS Y9, Y8, Y3
	VADDPS (AX)(R9*1), Y3, Y3
	VSUBPS Y9, Y8, Y7
	VSUBPS (DX)(R9*1), Y7, Y7
	VADDPS Y1, Y0, Y8
	VADDPS Y2, Y8, Y8
	VMOVUPS Y8, (DI)(R14*1)
	VSUBPS Y2, Y1, Y9
	VSUBPS Y3, Y9, Y9
	VMOVUPS Y9, (R10)(R14*1)
	VADDPS Y5, Y4, Y8
	VADDPS Y6, Y8, Y8
	VMOVUPS Y8, (R11)(R14*1)
	VSUBPS Y6, Y5, Y9
	VSUBPS Y7, Y9, Y9
	VMOVUPS Y9, (R12)(R14*1)
	ADDQ $32, R14
	CMPQ R14, R15
	JLT rch
	ADDQ srcStep+24(FP), SI
	ADDQ colStep+56(FP), DI
	ADDQ colStep+56(FP), R10
	ADDQ colStep+56(FP), R11
	ADDQ colStep+56(FP), R12
	DECQ R13
	JNE rtile
	VZEROUPPER
	RET

// func kernelTiles6x16s(tiles, kn int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
// c = a·b for tiles whole 6x16 tiles down the rows: tile i's rows of A
// start at a + 6i*lda (A read in place, row stride lda, its kn values a
// row next to each other), its rows of c at c + 6i*ldc; b is one 16-wide
// panel (row stride ldb) read in place for every tile. Registers as
// kernel6x16s; R13 counts tiles, R14/R15 hold the next tile's starts.
TEXT ·kernelTiles6x16s(SB), NOSPLIT, $0-64
	MOVQ tiles+0(FP), R13
	MOVQ a+16(FP), R14
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	MOVQ c+48(FP), R15
	MOVQ ldc+56(FP), R8
	SHLQ $2, R8
	MOVQ ldb+40(FP), R12
	SHLQ $2, R12
ttile:
	MOVQ kn+8(FP), CX
	MOVQ R14, SI
	LEAQ (SI)(R9*2), R11
	ADDQ R9, R11
	MOVQ b+32(FP), DI
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
tloop:
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS (SI), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VBROADCASTSS (SI)(R9*1), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS (SI)(R9*2), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	VBROADCASTSS (R11), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VBROADCASTSS (SI)(R9*4), Y14
	VFMADD231PS Y12, Y14, Y8
	VFMADD231PS Y13, Y14, Y9
	VBROADCASTSS (R11)(R9*2), Y15
	VFMADD231PS Y12, Y15, Y10
	VFMADD231PS Y13, Y15, Y11
	ADDQ $4, SI
	ADDQ $4, R11
	ADDQ R12, DI
	DECQ CX
	JNE tloop
	MOVQ R15, DX
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
	LEAQ (R14)(R9*4), R14
	LEAQ (R14)(R9*2), R14
	LEAQ (R15)(R8*4), R15
	LEAQ (R15)(R8*2), R15
	DECQ R13
	JNE ttile
	VZEROUPPER
	RET

// func winoKernel8(taps *float32, ts int, dst *float32, ds int, n int)
// WinoKernel's transform, eight output channels at a time: tap t's n
// values at taps + t*ts, point p's at dst + p*ds (strides in elements).
// SI, BX, CX point at the taps of kernel rows 0, 1, 2 (R8: one tap's
// stride); Y0..Y11 hold G g (row i, column kx in Y(3i+kx)), Y12 the
// constant 1/2, Y13/Y14 scratch; DI, R11, R12, R13 point at points
// 0, 4, 8, 12 (R9/R10: one and three points' strides).
TEXT ·winoKernel8(SB), NOSPLIT, $0-40
	MOVQ taps+0(FP), SI
	MOVQ ts+8(FP), R8
	SHLQ $2, R8
	LEAQ (SI)(R8*2), BX
	ADDQ R8, BX
	LEAQ (BX)(R8*2), CX
	ADDQ R8, CX
	MOVQ dst+16(FP), DI
	MOVQ ds+24(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (DI)(R9*4), R11
	LEAQ (R11)(R9*4), R12
	LEAQ (R12)(R9*4), R13
	MOVQ n+32(FP), DX
	SHLQ $2, DX
	MOVL $0x3f000000, AX
	VMOVD AX, X12
	VBROADCASTSS X12, Y12
	XORQ R14, R14
kloop:
	MOVQ R14, R15
	VMOVUPS (SI)(R15*1), Y0
	VMOVUPS (CX)(R15*1), Y9
	VMOVUPS (BX)(R15*1), Y13
	VADDPS Y13, Y0, Y14
	VADDPS Y9, Y14, Y14
	VMULPS Y12, Y14, Y3
	VSUBPS Y13, Y0, Y14
	VADDPS Y9, Y14, Y14
	VMULPS Y12, Y14, Y6
	ADDQ R8, R15
	VMOVUPS (SI)(R15*1), Y1
	VMOVUPS (CX)(R15*1), Y10
	VMOVUPS (BX)(R15*1), Y13
	VADDPS Y13, Y1, Y14
	VADDPS Y10, Y14, Y14
	VMULPS Y12, Y14, Y4
	VSUBPS Y13, Y1, Y14
	VADDPS Y10, Y14, Y14
	VMULPS Y12, Y14, Y7
	ADDQ R8, R15
	VMOVUPS (SI)(R15*1), Y2
	VMOVUPS (CX)(R15*1), Y11
	VMOVUPS (BX)(R15*1), Y13
	VADDPS Y13, Y2, Y14
	VADDPS Y11, Y14, Y14
	VMULPS Y12, Y14, Y5
	VSUBPS Y13, Y2, Y14
	VADDPS Y11, Y14, Y14
	VMULPS Y12, Y14, Y8
	LEAQ (DI)(R14*1), R15
	VMOVUPS Y0, (R15)
	VADDPS Y1, Y0, Y13
	VADDPS Y2, Y13, Y13
	VMULPS Y12, Y13, Y13
	VMOVUPS Y13, (R15)(R9*1)
	VSUBPS Y1, Y0, Y14
	VADDPS Y2, Y14, Y14
	VMULPS Y12, Y14, Y14
	VMOVUPS Y14, (R15)(R9*2)
	VMOVUPS Y2, (R15)(R10*1)
	LEAQ (R11)(R14*1), R15
	VMOVUPS Y3, (R15)
	VADDPS Y4, Y3, Y13
	VADDPS Y5, Y13, Y13
	VMULPS Y12, Y13, Y13
	VMOVUPS Y13, (R15)(R9*1)
	VSUBPS Y4, Y3, Y14
	VADDPS Y5, Y14, Y14
	VMULPS Y12, Y14, Y14
	VMOVUPS Y14, (R15)(R9*2)
	VMOVUPS Y5, (R15)(R10*1)
	LEAQ (R12)(R14*1), R15
	VMOVUPS Y6, (R15)
	VADDPS Y7, Y6, Y13
	VADDPS Y8, Y13, Y13
	VMULPS Y12, Y13, Y13
	VMOVUPS Y13, (R15)(R9*1)
	VSUBPS Y7, Y6, Y14
	VADDPS Y8, Y14, Y14
	VMULPS Y12, Y14, Y14
	VMOVUPS Y14, (R15)(R9*2)
	VMOVUPS Y8, (R15)(R10*1)
	LEAQ (R13)(R14*1), R15
	VMOVUPS Y9, (R15)
	VADDPS Y10, Y9, Y13
	VADDPS Y11, Y13, Y13
	VMULPS Y12, Y13, Y13
	VMOVUPS Y13, (R15)(R9*1)
	VSUBPS Y10, Y9, Y14
	VADDPS Y11, Y14, Y14
	VMULPS Y12, Y14, Y14
	VMOVUPS Y14, (R15)(R9*2)
	VMOVUPS Y11, (R15)(R10*1)
	ADDQ $32, R14
	CMPQ R14, DX
	JLT kloop
	VZEROUPPER
	RET
