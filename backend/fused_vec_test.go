package backend

import (
	"math"
	"math/rand/v2"
	"testing"
)

// withGoLoops runs f with the fused steps' vector loops switched off.
func withGoLoops(f func()) {
	z, y := fusedAVX512, fusedAVX2
	fusedAVX512, fusedAVX2 = false, false
	defer func() { fusedAVX512, fusedAVX2 = z, y }()
	f()
}

// vectorLevels lists the vector loops this CPU runs ("avx512", "avx2"),
// each with a function that switches the others off while it runs f.
func vectorLevels() map[string]func(f func()) {
	z, y := fusedAVX512, fusedAVX2
	levels := map[string]func(f func()){}
	set := func(a, b bool) func(f func()) {
		return func(f func()) {
			fusedAVX512, fusedAVX2 = a, b
			defer func() { fusedAVX512, fusedAVX2 = z, y }()
			f()
		}
	}
	if z {
		levels["avx512"] = set(true, false)
	}
	if y {
		levels["avx2"] = set(false, true)
	}
	return levels
}

// specialValues mixes small integers (ties) with NaN, infinities and both
// zeros.
func specialValues(r *rand.Rand, n int) []float32 {
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0,
		float32(math.Copysign(0, -1)), 1, -1, 0.5}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.IntN(5)) - 2
		if r.IntN(3) == 0 {
			v[i] = special[r.IntN(len(special))]
		}
		if r.IntN(4) == 0 {
			v[i] = float32(r.NormFloat64())
		}
	}
	return v
}

// sameFloat is bit equality, any NaN matching any NaN (the Go loops and
// the vector instructions may carry different NaN payloads).
func sameFloat(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// TestVectorLoops runs every vector loop of the fused steps (each level
// the CPU has: AVX-512, AVX2) on lengths below, at and past the vector
// width and on NaN, infinities and signed zeros, against scalar (the Go
// loops' own arithmetic): the results must agree bit for bit.
func TestVectorLoops(t *testing.T) {
	levels := vectorLevels()
	if len(levels) == 0 {
		t.Skip("no AVX2 or AVX-512 on this CPU (or a purego build): the Go loops are the only path, run by the other fusion tests")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for name, run := range levels {
		for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100} {
			a, b := specialValues(r, n), specialValues(r, n)
			c := make([]float32, n)
			for i := range c {
				c[i] = float32(r.IntN(2))
			}
			check := func(op opcode, got []float32, want func(i int) float32) {
				t.Helper()
				for i := range got {
					if w := want(i); !sameFloat(got[i], w) {
						t.Fatalf("%s op %d n %d: [%d] = %v (%08x), want %v (%08x) from a=%v b=%v",
							name, op, n, i, got[i], math.Float32bits(got[i]), w, math.Float32bits(w), a[i], b[i])
					}
				}
			}
			for op := opAdd; op <= opLT; op++ {
				d := make([]float32, n)
				run(func() { binaryLoop(op, d, a, b) })
				check(op, d, func(i int) float32 { return scalar(op, a[i], b[i], 0, 0) })
			}
			for _, op := range []opcode{opNeg, opAbs, opSqrt} {
				d := make([]float32, n)
				var k int
				run(func() { k = vecUnary(op, d, a) })
				check(op, d[:k], func(i int) float32 { return scalar(op, a[i], 0, 0, 0) })
			}
			d := make([]float32, n)
			var k int
			run(func() { k = vecWhere(d, c, a, b) })
			check(opWhere, d[:k], func(i int) float32 {
				if c[i] != 0 {
					return a[i]
				}
				return b[i]
			})
			if n%8 == 0 {
				y, want := specialValues(r, n), make([]float32, n)
				copy(want, y)
				x := specialValues(r, 5*n)
				for row := range 5 {
					for j := range want {
						want[j] += x[row*n+j]
					}
				}
				var did bool
				run(func() { did = sumRows(y, x) })
				if did {
					check(opAdd, y, func(i int) float32 { return want[i] })
				} else if name == "avx2" || n%16 == 0 {
					t.Fatalf("%s: sumRows of %d columns fell back to the Go loop", name, n)
				}
			}
		}
	}
}
