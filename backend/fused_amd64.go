//go:build amd64 && !purego

package backend

import "golang.org/x/sys/cpu"

// fusedAVX512 and fusedAVX2 report whether fused steps run their loops in
// AVX-512 (fused_amd64.s) or, without it, in AVX2 (fused_avx2_amd64.s);
// tests switch them off to compare with the Go loops.
var (
	fusedAVX512 = cpu.X86.HasAVX512F
	fusedAVX2   = cpu.X86.HasAVX2
)

//go:noescape
func addZ(d, a, b *float32, n int)

//go:noescape
func subZ(d, a, b *float32, n int)

//go:noescape
func mulZ(d, a, b *float32, n int)

//go:noescape
func divZ(d, a, b *float32, n int)

//go:noescape
func minZ(d, a, b *float32, n int)

//go:noescape
func maxZ(d, a, b *float32, n int)

//go:noescape
func geZ(d, a, b *float32, n int)

//go:noescape
func gtZ(d, a, b *float32, n int)

//go:noescape
func leZ(d, a, b *float32, n int)

//go:noescape
func ltZ(d, a, b *float32, n int)

//go:noescape
func negZ(d, a *float32, n int)

//go:noescape
func absZ(d, a *float32, n int)

//go:noescape
func sqrtZ(d, a *float32, n int)

//go:noescape
func whereZ(d, c, a, b *float32, n int)

//go:noescape
func addY(d, a, b *float32, n int)

//go:noescape
func subY(d, a, b *float32, n int)

//go:noescape
func mulY(d, a, b *float32, n int)

//go:noescape
func divY(d, a, b *float32, n int)

//go:noescape
func minY(d, a, b *float32, n int)

//go:noescape
func maxY(d, a, b *float32, n int)

//go:noescape
func geY(d, a, b *float32, n int)

//go:noescape
func gtY(d, a, b *float32, n int)

//go:noescape
func leY(d, a, b *float32, n int)

//go:noescape
func ltY(d, a, b *float32, n int)

//go:noescape
func negY(d, a *float32, n int)

//go:noescape
func absY(d, a *float32, n int)

//go:noescape
func sqrtY(d, a *float32, n int)

//go:noescape
func whereY(d, c, a, b *float32, n int)

//go:noescape
func sumRowsY(y, x *float32, rows, k int)

// binaryZ and binaryY hold the AVX-512 and AVX2 loops of each binary opcode.
var (
	binaryZ = [...]func(d, a, b *float32, n int){opAdd: addZ, opSub: subZ, opMul: mulZ, opDiv: divZ,
		opMin: minZ, opMax: maxZ, opGE: geZ, opGT: gtZ, opLE: leZ, opLT: ltZ}
	binaryY = [...]func(d, a, b *float32, n int){opAdd: addY, opSub: subY, opMul: mulY, opDiv: divY,
		opMin: minY, opMax: maxY, opGE: geY, opGT: gtY, opLE: leY, opLT: ltY}
)

// vecLen is how many of n values the vector loops take (a multiple of
// their width), and whether they take them in AVX-512; 0 without either.
func vecLen(n int) (int, bool) {
	switch {
	case fusedAVX512:
		return n &^ 15, true
	case fusedAVX2:
		return n &^ 7, false
	}
	return 0, false
}

// vecBinary runs op on the first len(d) rounded down to the vector width
// (16 values in AVX-512, 8 in AVX2) and returns how many it did (0 without
// either).
func vecBinary(op opcode, d, a, b []float32) int {
	n, z := vecLen(len(d))
	if n == 0 || int(op) >= len(binaryZ) || binaryZ[op] == nil {
		return 0
	}
	_, _ = a[n-1], b[n-1]
	if z {
		binaryZ[op](&d[0], &a[0], &b[0], n)
	} else {
		binaryY[op](&d[0], &a[0], &b[0], n)
	}
	return n
}

// vecUnary is vecBinary for Neg, Abs and Sqrt.
func vecUnary(op opcode, d, a []float32) int {
	n, z := vecLen(len(d))
	if n == 0 {
		return 0
	}
	_ = a[n-1]
	var f func(d, a *float32, n int)
	switch op {
	case opNeg:
		f = pick(z, negZ, negY)
	case opAbs:
		f = pick(z, absZ, absY)
	case opSqrt:
		f = pick(z, sqrtZ, sqrtY)
	default:
		return 0
	}
	f(&d[0], &a[0], n)
	return n
}

func pick[F any](z bool, ifZ, ifY F) F {
	if z {
		return ifZ
	}
	return ifY
}

// vecWhere is vecBinary for Where (c holds 0 or 1).
func vecWhere(d, c, a, b []float32) int {
	n, z := vecLen(len(d))
	if n == 0 {
		return 0
	}
	_, _, _ = c[n-1], a[n-1], b[n-1]
	pick(z, whereZ, whereY)(&d[0], &c[0], &a[0], &b[0], n)
	return n
}

//go:noescape
func sumRowsZ(y, x *float32, rows, k int)

// sumRows adds the rows of x ([rows, len(y)]) to y in order, in AVX-512
// lanes when len(y) is a multiple of 16 (AVX2 lanes, a multiple of 8,
// without AVX-512), and reports whether it did.
func sumRows(y, x []float32) bool {
	k := len(y)
	if n, z := vecLen(k); n != k || k == 0 || len(x) < k {
		return false
	} else {
		rows := len(x) / k
		_ = x[rows*k-1]
		pick(z, sumRowsZ, sumRowsY)(&y[0], &x[0], rows, k)
	}
	return true
}
