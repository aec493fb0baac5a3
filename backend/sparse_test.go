package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// TestSparseConstantProduct multiplies constants by a parameter, the
// constant as stored and transposed (contracted on its first axis, as in
// a gradient), and compares with simplego's DotGeneral: a 0/1 matrix with
// one to four ones a row (model's overlap-add matrix), one with other
// values and empty rows, and a dense one, which must stay a dense product.
// The right operand's columns (37, 1030) leave a tail past the vector
// loops. Tolerance 1e-5 absolute: sums of at most four values in [-2, 2].
func TestSparseConstantProduct(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	overlap := func(m, k int) []float32 { // 1 to 4 ones a row, ~2%
		a := make([]float32, m*k)
		for i := range m {
			for range 1 + r.IntN(4) {
				a[i*k+r.IntN(k)] = 1
			}
		}
		return a
	}
	valued := func(m, k int) []float32 { // other values, some rows empty
		a := make([]float32, m*k)
		for i := 0; i < m; i += 2 {
			a[i*k+r.IntN(k)] = float32(r.IntN(5)) - 2.5
		}
		return a
	}
	dense := func(m, k int) []float32 {
		a := make([]float32, m*k)
		for i := range a {
			a[i] = r.Float32()
		}
		return a
	}
	cases := []struct {
		name   string
		a      func(m, k int) []float32
		sparse bool
	}{{"overlap 0/1", overlap, true}, {"other values", valued, true}, {"dense", dense, false}}
	for _, tc := range cases {
		for _, n := range []int{37, 1030} {
			for _, trans := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/n=%d/transposed=%v", tc.name, n, trans), func(t *testing.T) {
					m, k := 49, 81
					dims := []int{m, k}
					if trans {
						dims = []int{k, m}
					}
					a := tc.a(dims[0], dims[1])
					x := randTensor(r, k, n)
					build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
						c := must(t)(b.Constant(a, dims...))
						lc := 1
						if trans {
							lc = 0
						}
						return []backends.Op{must(t)(b.DotGeneral(c, []int{lc}, nil, in[0], []int{0}, nil))}
					}
					got, b := stagedRun(t, "kernels=hourglass", build, x)
					if s := b.countSteps(func(st step) bool { return st.prod != nil && st.prod.sparse != nil }); s != map[bool]int{true: 1}[tc.sparse] {
						t.Fatalf("%d sparse products, want sparse %v", s, tc.sparse)
					}
					want, _ := stagedRun(t, "kernels=simplego", build, x)
					for j, w := range want[0].data {
						if math.Abs(float64(got[0].data[j]-w)) > 1e-5*max(1, math.Abs(float64(w))) {
							t.Fatalf("[%d] = %v, simplego %v", j, got[0].data[j], w)
						}
					}
				})
			}
		}
	}
}

// TestSparseConstantReuse: one sparse constant in two products (as stored,
// and transposed against a right operand that is itself transposed, which
// stays a dense product: the row sums need the right operand's rows),
// against simplego. Tolerance as TestSparseConstantProduct's.
func TestSparseConstantReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(65, 66))
	m, k, n := 49, 81, 40
	a := make([]float32, m*k)
	for i := range m {
		a[i*k+r.IntN(k)] = 1
	}
	x, y := randTensor(r, k, n), randTensor(r, n, m) // y is contracted on its second axis
	build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
		c := must(t)(b.Constant(a, m, k))
		p1 := must(t)(b.DotGeneral(c, []int{1}, nil, in[0], []int{0}, nil)) // [m, n]
		p2 := must(t)(b.DotGeneral(c, []int{0}, nil, in[1], []int{1}, nil)) // [k, n], rhs transposed
		return []backends.Op{p1, p2}
	}
	got, b := stagedRun(t, "kernels=hourglass", build, x, y)
	if s := b.countSteps(func(st step) bool { return st.prod != nil && st.prod.sparse != nil }); s != 1 {
		t.Fatalf("%d sparse products, want 1 (the second's right operand is transposed)", s)
	}
	want, _ := stagedRun(t, "kernels=simplego", build, x, y)
	for o := range want {
		for j, w := range want[o].data {
			if math.Abs(float64(got[o].data[j]-w)) > 1e-5*max(1, math.Abs(float64(w))) {
				t.Fatalf("output %d [%d] = %v, simplego %v", o, j, got[o].data[j], w)
			}
		}
	}
}
