//go:build amd64 && !purego

#include "textflag.h"

// Moves of 8-byte pairs of float32 values for the one-channel
// depth-to-space transposes (layout.go, movePairRows): rows of 2m pairs,
// split into their even and odd pairs or merged back, four pairs at a time
// in AVX2 registers and the last m%4 one by one. Pure moves: the bits are
// the input's.

// PAIRS_ARGS loads both functions' arguments: DI dst, SI src, R8 rows,
// R10 the bytes of m pairs (half a row), R11 the blocks of four pairs in a
// half, R12 the pairs left over in a half.
#define PAIRS_ARGS \
	MOVQ dst+0(FP), DI \
	MOVQ src+8(FP), SI \
	MOVQ rows+16(FP), R8 \
	MOVQ m+24(FP), R9 \
	MOVQ R9, R10 \
	SHLQ $3, R10 \
	MOVQ R9, R11 \
	SHRQ $2, R11 \
	MOVQ R9, R12 \
	ANDQ $3, R12

// func splitPairsY(dst, src *float32, rows, m int)
// Each row of src, pairs p0 p1 ... p(2m-1), becomes p0 p2 ... p(2m-2)
// followed by p1 p3 ... p(2m-1) in dst.
TEXT ·splitPairsY(SB), NOSPLIT, $0-32
	PAIRS_ARGS
	TESTQ R8, R8
	JE split_done
split_row:
	MOVQ R11, CX
	TESTQ CX, CX
	JE split_tail
split_block:
	VMOVDQU (SI), Y0 // p0 p1 p2 p3
	VMOVDQU 32(SI), Y1 // p4 p5 p6 p7
	VPUNPCKLQDQ Y1, Y0, Y2 // p0 p4 p2 p6
	VPUNPCKHQDQ Y1, Y0, Y3 // p1 p5 p3 p7
	VPERMQ $0xD8, Y2, Y2 // p0 p2 p4 p6
	VPERMQ $0xD8, Y3, Y3 // p1 p3 p5 p7
	VMOVDQU Y2, (DI)
	VMOVDQU Y3, (DI)(R10*1)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNE split_block
split_tail:
	MOVQ R12, CX
	TESTQ CX, CX
	JE split_next
split_pair:
	MOVQ (SI), AX
	MOVQ AX, (DI)
	MOVQ 8(SI), AX
	MOVQ AX, (DI)(R10*1)
	ADDQ $16, SI
	ADDQ $8, DI
	DECQ CX
	JNE split_pair
split_next:
	ADDQ R10, DI // past the row's odd half
	DECQ R8
	JNE split_row
split_done:
	VZEROUPPER
	RET

// func mergePairsY(dst, src *float32, rows, m int)
// The inverse: each row of src, m pairs a0 ... a(m-1) followed by m pairs
// b0 ... b(m-1), becomes a0 b0 a1 b1 ... in dst.
TEXT ·mergePairsY(SB), NOSPLIT, $0-32
	PAIRS_ARGS
	TESTQ R8, R8
	JE merge_done
merge_row:
	MOVQ R11, CX
	TESTQ CX, CX
	JE merge_tail
merge_block:
	VMOVDQU (SI), Y0 // a0 a1 a2 a3
	VMOVDQU (SI)(R10*1), Y1 // b0 b1 b2 b3
	VPUNPCKLQDQ Y1, Y0, Y2 // a0 b0 a2 b2
	VPUNPCKHQDQ Y1, Y0, Y3 // a1 b1 a3 b3
	VPERM2I128 $0x20, Y3, Y2, Y4 // a0 b0 a1 b1
	VPERM2I128 $0x31, Y3, Y2, Y5 // a2 b2 a3 b3
	VMOVDQU Y4, (DI)
	VMOVDQU Y5, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNE merge_block
merge_tail:
	MOVQ R12, CX
	TESTQ CX, CX
	JE merge_next
merge_pair:
	MOVQ (SI), AX
	MOVQ AX, (DI)
	MOVQ (SI)(R10*1), AX
	MOVQ AX, 8(DI)
	ADDQ $8, SI
	ADDQ $16, DI
	DECQ CX
	JNE merge_pair
merge_next:
	ADDQ R10, SI // past the row's second half
	DECQ R8
	JNE merge_row
merge_done:
	VZEROUPPER
	RET
