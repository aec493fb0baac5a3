//go:build amd64 && !purego

#include "textflag.h"

// AVX2 forms of pool_amd64.s's rows, for CPUs without AVX-512: the same
// results bit for bit, 8 channels a register. Y12 holds the sign bits;
// Y9..Y11 are scratch.

// GOMAXY(a, b, r) sets r to Go's max(a, b) lane by lane (see GOMAX in
// pool_amd64.s): -(m1 | min(m1, -a)) with m1 = min(-a, -b).
#define GOMAXY(a, b, r) \
	VXORPS Y12, a, Y9 \
	VXORPS Y12, b, Y10 \
	VMINPS Y10, Y9, Y11 \
	VMINPS Y9, Y11, Y10 \
	VORPS Y11, Y10, r \
	VXORPS Y12, r, r

#define SIGNS \
	MOVL $0x80000000, AX \
	VMOVD AX, X12 \
	VPBROADCASTD X12, Y12

// func pool2x2RowY(out, top, bot *float32, ow, c int)
// out[j*c+k] = max(max(top[2jc+k], top[2jc+c+k]), max(bot[2jc+k], bot[2jc+c+k]))
// for j < ow and k < c; c is a multiple of 8.
TEXT ·pool2x2RowY(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ top+8(FP), SI
	MOVQ bot+16(FP), DX
	MOVQ ow+24(FP), CX
	MOVQ c+32(FP), R8
	SHLQ $2, R8           // c in bytes
	SIGNS
	TESTQ CX, CX
	JE pydone
pycol:
	XORQ R9, R9           // byte offset within the channels
	LEAQ (SI)(R8*1), R10
	LEAQ (DX)(R8*1), R11
pych:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (R10)(R9*1), Y1
	VMOVUPS (DX)(R9*1), Y2
	VMOVUPS (R11)(R9*1), Y3
	GOMAXY(Y0, Y1, Y4)
	GOMAXY(Y2, Y3, Y5)
	GOMAXY(Y4, Y5, Y6)
	VMOVUPS Y6, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, R8
	JLT pych
	ADDQ R8, DI
	LEAQ (SI)(R8*2), SI
	LEAQ (DX)(R8*2), DX
	DECQ CX
	JNE pycol
pydone:
	VZEROUPPER
	RET

// func scatter2x2RowY(src, top, bot, otop, obot *float32, ow, c int)
// For each window (j, k): the maximum m of its four values as above; src's
// value goes to the first of the four (top left, top right, bottom left,
// bottom right) equal to m, or to the last when none is (NaN), and zero to
// the others, in otop and obot (laid out as top and bot). The selections
// are lane masks: t1 = eq1 &^ t0, t2 = eq2 &^ (t0 | t1), and the last
// takes what none of the three took.
TEXT ·scatter2x2RowY(SB), NOSPLIT, $0-56
	MOVQ src+0(FP), DI
	MOVQ top+8(FP), SI
	MOVQ bot+16(FP), DX
	MOVQ otop+24(FP), R12
	MOVQ obot+32(FP), R13
	MOVQ ow+40(FP), CX
	MOVQ c+48(FP), R8
	SHLQ $2, R8
	SIGNS
	TESTQ CX, CX
	JE sydone
sycol:
	XORQ R9, R9
	LEAQ (SI)(R8*1), R10
	LEAQ (DX)(R8*1), R11
	LEAQ (R12)(R8*1), R14
	LEAQ (R13)(R8*1), R15
sych:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (R10)(R9*1), Y1
	VMOVUPS (DX)(R9*1), Y2
	VMOVUPS (R11)(R9*1), Y3
	VMOVUPS (DI)(R9*1), Y7
	GOMAXY(Y0, Y1, Y4)
	GOMAXY(Y2, Y3, Y5)
	GOMAXY(Y4, Y5, Y6)
	VCMPPS $0, Y6, Y0, Y0  // t0 = x0 == m (ordered)
	VCMPPS $0, Y6, Y1, Y1
	VCMPPS $0, Y6, Y2, Y2
	VANDNPS Y1, Y0, Y1     // t1 = eq1 &^ t0
	VORPS Y0, Y1, Y4       // t0 | t1
	VANDNPS Y2, Y4, Y2     // t2 = eq2 &^ (t0 | t1)
	VORPS Y4, Y2, Y4       // t0 | t1 | t2
	VANDPS Y7, Y0, Y8
	VMOVUPS Y8, (R12)(R9*1)
	VANDPS Y7, Y1, Y8
	VMOVUPS Y8, (R14)(R9*1)
	VANDPS Y7, Y2, Y8
	VMOVUPS Y8, (R13)(R9*1)
	VANDNPS Y7, Y4, Y8     // src &^ (t0 | t1 | t2)
	VMOVUPS Y8, (R15)(R9*1)
	ADDQ $32, R9
	CMPQ R9, R8
	JLT sych
	ADDQ R8, DI
	LEAQ (SI)(R8*2), SI
	LEAQ (DX)(R8*2), DX
	LEAQ (R12)(R8*2), R12
	LEAQ (R13)(R8*2), R13
	DECQ CX
	JNE sycol
sydone:
	VZEROUPPER
	RET
