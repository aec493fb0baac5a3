//go:build amd64 && !purego

#include "textflag.h"

// AVX2 loops of the fused steps (fused_exec.go), for CPUs without AVX-512:
// d[i] = op(a[i], b[i]) (or c[i] ? a[i] : b[i], or op(a[i])) for i < n, n a
// multiple of 8, giving the same bits as the Go loops and the AVX-512 loops
// (fused_amd64.s): Go's min and max lowered lane by lane, comparisons that
// are false for NaN, 1 or 0 written as float32, simplego's Abs (-0 stays
// -0). Y12 holds the sign bits, Y13 the float32 ones, Y14 zeros.

#define CONSTS \
	MOVL $0x80000000, AX \
	VMOVD AX, X12 \
	VPBROADCASTD X12, Y12 \
	MOVL $0x3f800000, AX \
	VMOVD AX, X13 \
	VPBROADCASTD X13, Y13 \
	VXORPS Y14, Y14, Y14

// func addY(d, a, b *float32, n int)
TEXT ·addY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE addY_done
addY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VADDPS Y1, Y0, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT addY_loop
addY_done:
	VZEROUPPER
	RET

// func subY(d, a, b *float32, n int)
TEXT ·subY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE subY_done
subY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VSUBPS Y1, Y0, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT subY_loop
subY_done:
	VZEROUPPER
	RET

// func mulY(d, a, b *float32, n int)
TEXT ·mulY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE mulY_done
mulY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VMULPS Y1, Y0, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT mulY_loop
mulY_done:
	VZEROUPPER
	RET

// func divY(d, a, b *float32, n int)
TEXT ·divY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE divY_done
divY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VDIVPS Y1, Y0, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT divY_loop
divY_done:
	VZEROUPPER
	RET

// func minY(d, a, b *float32, n int)
TEXT ·minY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE minY_done
minY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VMINPS Y1, Y0, Y4
	VMINPS Y0, Y4, Y5
	VORPS Y4, Y5, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT minY_loop
minY_done:
	VZEROUPPER
	RET

// func maxY(d, a, b *float32, n int)
TEXT ·maxY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE maxY_done
maxY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VXORPS Y12, Y0, Y6
	VXORPS Y12, Y1, Y7
	VMINPS Y7, Y6, Y4
	VMINPS Y6, Y4, Y5
	VORPS Y4, Y5, Y3
	VXORPS Y12, Y3, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT maxY_loop
maxY_done:
	VZEROUPPER
	RET

// func geY(d, a, b *float32, n int)
TEXT ·geY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE geY_done
geY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VCMPPS $0x1d, Y1, Y0, Y4
	VANDPS Y13, Y4, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT geY_loop
geY_done:
	VZEROUPPER
	RET

// func gtY(d, a, b *float32, n int)
TEXT ·gtY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE gtY_done
gtY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VCMPPS $0x1e, Y1, Y0, Y4
	VANDPS Y13, Y4, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT gtY_loop
gtY_done:
	VZEROUPPER
	RET

// func leY(d, a, b *float32, n int)
TEXT ·leY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE leY_done
leY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VCMPPS $0x12, Y1, Y0, Y4
	VANDPS Y13, Y4, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT leY_loop
leY_done:
	VZEROUPPER
	RET

// func ltY(d, a, b *float32, n int)
TEXT ·ltY(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE ltY_done
ltY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VCMPPS $0x11, Y1, Y0, Y4
	VANDPS Y13, Y4, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT ltY_loop
ltY_done:
	VZEROUPPER
	RET

// func negY(d, a *float32, n int)
TEXT ·negY(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE negY_done
negY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VXORPS Y12, Y0, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT negY_loop
negY_done:
	VZEROUPPER
	RET

// func absY(d, a *float32, n int)
TEXT ·absY(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE absY_done
absY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VCMPPS $0x11, Y14, Y0, Y4
	VANDPS Y12, Y4, Y4
	VXORPS Y4, Y0, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT absY_loop
absY_done:
	VZEROUPPER
	RET

// func sqrtY(d, a *float32, n int)
TEXT ·sqrtY(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE sqrtY_done
sqrtY_loop:
	VMOVUPS (SI)(R9*1), Y0
	VSQRTPS Y0, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT sqrtY_loop
sqrtY_done:
	VZEROUPPER
	RET

// func whereY(d, c, a, b *float32, n int)
TEXT ·whereY(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ c+8(FP), SI
	MOVQ a+16(FP), DX
	MOVQ b+24(FP), R8
	MOVQ n+32(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	CONSTS
	TESTQ CX, CX
	JE whereY_done
whereY_loop:
	VMOVUPS (SI)(R9*1), Y2
	VMOVUPS (DX)(R9*1), Y0
	VMOVUPS (R8)(R9*1), Y1
	VCMPPS $0x0c, Y14, Y2, Y4
	VBLENDVPS Y4, Y0, Y1, Y3
	VMOVUPS Y3, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT whereY_loop
whereY_done:
	VZEROUPPER
	RET

// func sumRowsY(y, x *float32, rows, k int)
// y[j] += x[0, j] + ... in order, row after row (the Go loop's order), for
// j < k, k a multiple of 8: a register an 8 columns.
TEXT ·sumRowsY(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ k+24(FP), CX
	SHLQ $2, CX           // row stride in bytes
	XORQ R9, R9           // column byte offset
	TESTQ BX, BX
	JE sry_done
sry_col:
	VMOVUPS (DI)(R9*1), Y0
	LEAQ (SI)(R9*1), R10
	MOVQ BX, R11
sry_row:
	VADDPS (R10), Y0, Y0
	ADDQ CX, R10
	DECQ R11
	JNE sry_row
	VMOVUPS Y0, (DI)(R9*1)
	ADDQ $32, R9
	CMPQ R9, CX
	JLT sry_col
sry_done:
	VZEROUPPER
	RET
