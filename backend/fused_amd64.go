//go:build amd64 && !purego

package backend

import "golang.org/x/sys/cpu"

// fusedAVX512 reports whether fused steps run their loops in AVX-512
// (fused_amd64.s); tests switch it off to compare with the Go loops.
var fusedAVX512 = cpu.X86.HasAVX512F

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

// binaryZ holds the AVX-512 loop of each binary opcode.
var binaryZ = [...]func(d, a, b *float32, n int){opAdd: addZ, opSub: subZ, opMul: mulZ, opDiv: divZ,
	opMin: minZ, opMax: maxZ, opGE: geZ, opGT: gtZ, opLE: leZ, opLT: ltZ}

// vecBinary runs op on the first len(d) rounded down to 16 values and
// returns how many it did (0 without AVX-512).
func vecBinary(op opcode, d, a, b []float32) int {
	n := len(d) &^ 15
	if !fusedAVX512 || n == 0 || int(op) >= len(binaryZ) || binaryZ[op] == nil {
		return 0
	}
	_, _ = a[n-1], b[n-1]
	binaryZ[op](&d[0], &a[0], &b[0], n)
	return n
}

// vecUnary is vecBinary for Neg, Abs and Sqrt.
func vecUnary(op opcode, d, a []float32) int {
	n := len(d) &^ 15
	if !fusedAVX512 || n == 0 {
		return 0
	}
	_ = a[n-1]
	switch op {
	case opNeg:
		negZ(&d[0], &a[0], n)
	case opAbs:
		absZ(&d[0], &a[0], n)
	case opSqrt:
		sqrtZ(&d[0], &a[0], n)
	default:
		return 0
	}
	return n
}

// vecWhere is vecBinary for Where (c holds 0 or 1).
func vecWhere(d, c, a, b []float32) int {
	n := len(d) &^ 15
	if !fusedAVX512 || n == 0 {
		return 0
	}
	_, _, _ = c[n-1], a[n-1], b[n-1]
	whereZ(&d[0], &c[0], &a[0], &b[0], n)
	return n
}

//go:noescape
func sumRowsZ(y, x *float32, rows, k int)

// sumRows adds the rows of x ([rows, len(y)]) to y in order, in AVX-512
// lanes when len(y) is a multiple of 16, and reports whether it did.
func sumRows(y, x []float32) bool {
	k := len(y)
	if !fusedAVX512 || k == 0 || k%16 != 0 || len(x) < k {
		return false
	}
	rows := len(x) / k
	_ = x[rows*k-1]
	sumRowsZ(&y[0], &x[0], rows, k)
	return true
}
