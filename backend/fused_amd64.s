//go:build amd64 && !purego

#include "textflag.h"

// AVX-512 loops of the fused steps (fused_exec.go): d[i] = op(a[i], b[i])
// (or c[i] ? a[i] : b[i], or op(a[i])) for i < n, n a multiple of 16,
// giving the same bits as the Go loops: Go's min and max lowered lane by
// lane (see pool_amd64.s), comparisons that are false for NaN, 1 or 0
// written as float32, simplego's Abs (-0 stays -0).

// func addZ(d, a, b *float32, n int)
TEXT ·addZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE addZ_done
addZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VADDPS Z1, Z0, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT addZ_loop
addZ_done:
	VZEROUPPER
	RET

// func subZ(d, a, b *float32, n int)
TEXT ·subZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE subZ_done
subZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VSUBPS Z1, Z0, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT subZ_loop
subZ_done:
	VZEROUPPER
	RET

// func mulZ(d, a, b *float32, n int)
TEXT ·mulZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE mulZ_done
mulZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VMULPS Z1, Z0, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT mulZ_loop
mulZ_done:
	VZEROUPPER
	RET

// func divZ(d, a, b *float32, n int)
TEXT ·divZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE divZ_done
divZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VDIVPS Z1, Z0, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT divZ_loop
divZ_done:
	VZEROUPPER
	RET

// func minZ(d, a, b *float32, n int)
TEXT ·minZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE minZ_done
minZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VMINPS Z1, Z0, Z4
	VMINPS Z0, Z4, Z5
	VPORD Z4, Z5, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT minZ_loop
minZ_done:
	VZEROUPPER
	RET

// func maxZ(d, a, b *float32, n int)
TEXT ·maxZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE maxZ_done
maxZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VPXORD Z31, Z0, Z6
	VPXORD Z31, Z1, Z7
	VMINPS Z7, Z6, Z4
	VMINPS Z6, Z4, Z5
	VPORD Z4, Z5, Z3
	VPXORD Z31, Z3, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT maxZ_loop
maxZ_done:
	VZEROUPPER
	RET

// func geZ(d, a, b *float32, n int)
TEXT ·geZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE geZ_done
geZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VCMPPS $0x1d, Z1, Z0, K1
	VMOVUPS.Z Z30, K1, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT geZ_loop
geZ_done:
	VZEROUPPER
	RET

// func gtZ(d, a, b *float32, n int)
TEXT ·gtZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE gtZ_done
gtZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VCMPPS $0x1e, Z1, Z0, K1
	VMOVUPS.Z Z30, K1, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT gtZ_loop
gtZ_done:
	VZEROUPPER
	RET

// func leZ(d, a, b *float32, n int)
TEXT ·leZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE leZ_done
leZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VCMPPS $0x12, Z1, Z0, K1
	VMOVUPS.Z Z30, K1, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT leZ_loop
leZ_done:
	VZEROUPPER
	RET

// func ltZ(d, a, b *float32, n int)
TEXT ·ltZ(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE ltZ_done
ltZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VCMPPS $0x11, Z1, Z0, K1
	VMOVUPS.Z Z30, K1, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT ltZ_loop
ltZ_done:
	VZEROUPPER
	RET

// func negZ(d, a *float32, n int)
TEXT ·negZ(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE negZ_done
negZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VPXORD Z31, Z0, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT negZ_loop
negZ_done:
	VZEROUPPER
	RET

// func absZ(d, a *float32, n int)
TEXT ·absZ(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE absZ_done
absZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VCMPPS $0x11, Z26, Z0, K1
	VMOVUPS Z0, Z3
	VPXORD Z31, Z0, K1, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT absZ_loop
absZ_done:
	VZEROUPPER
	RET

// func sqrtZ(d, a *float32, n int)
TEXT ·sqrtZ(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE sqrtZ_done
sqrtZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VSQRTPS Z0, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT sqrtZ_loop
sqrtZ_done:
	VZEROUPPER
	RET

// func whereZ(d, c, a, b *float32, n int)
TEXT ·whereZ(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ c+8(FP), R8
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), DX
	MOVQ n+32(FP), CX
	SHLQ $2, CX
	XORQ R9, R9
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z31
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD Z26, Z26, Z26
	TESTQ CX, CX
	JE whereZ_done
whereZ_loop:
	VMOVUPS (SI)(R9*1), Z0
	VMOVUPS (DX)(R9*1), Z1
	VMOVUPS (R8)(R9*1), Z2
	VCMPPS $0x0c, Z26, Z2, K1
	VBLENDMPS Z0, Z1, K1, Z3
	VMOVUPS Z3, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT whereZ_loop
whereZ_done:
	VZEROUPPER
	RET

// func sumRowsZ(y, x *float32, rows, k int)
// y[j] += x[0, j] + ... in order, row after row (the Go loop's order), for
// j < k, k a multiple of 16: a register a 16 columns.
TEXT ·sumRowsZ(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ k+24(FP), CX
	SHLQ $2, CX           // row stride in bytes
	XORQ R9, R9           // column byte offset
	TESTQ BX, BX
	JE sr_done
sr_col:
	VMOVUPS (DI)(R9*1), Z0
	LEAQ (SI)(R9*1), R10
	MOVQ BX, R11
sr_row:
	VADDPS (R10), Z0, Z0
	ADDQ CX, R10
	DECQ R11
	JNE sr_row
	VMOVUPS Z0, (DI)(R9*1)
	ADDQ $64, R9
	CMPQ R9, CX
	JLT sr_col
sr_done:
	VZEROUPPER
	RET
