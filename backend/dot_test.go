package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// TestDotGeneralRewrites checks every rewritten product form against a
// plain-Go triple loop: row splits (tiny K or N), contraction splits (long
// K, small result), both operand orientations, and shapes left alone.
func TestDotGeneralRewrites(t *testing.T) {
	cases := []struct {
		m, k, n, lc, rc int
		plan            string
	}{
		{100352 / 16, 9, 16, 1, 0, "rows"},  // conv1-like forward
		{6272, 16, 4, 1, 0, "rows"},         // decoder output
		{6272, 16, 4, 0, 1, "rows"},         // transposed operands
		{9, 50176, 16, 0, 0, "contraction"}, // weight gradient
		{9, 50176, 16, 1, 1, "contraction"}, // weight gradient, other orientation
		{300, 144, 32, 1, 0, "none"},        // small path, short K
		{2000, 144, 64, 1, 1, "none"},       // large path, little padding
	}
	for _, tc := range cases {
		r := rand.New(rand.NewPCG(uint64(tc.m), uint64(tc.k)))
		// Operand layouts: lhs [m, k] when lc == 1, else [k, m]; rhs [k, n] when rc == 0, else [n, k].
		l, rr := seq(tc.k, tc.m), seq(tc.n, tc.k)
		if tc.lc == 1 {
			l = seq(tc.m, tc.k)
		}
		if tc.rc == 0 {
			rr = seq(tc.k, tc.n)
		}
		for i := range l.data {
			l.data[i] = r.Float32()*2 - 1
		}
		for i := range rr.data {
			rr.data[i] = r.Float32()*2 - 1
		}
		name := fmt.Sprintf("m%d k%d n%d lc%d rc%d", tc.m, tc.k, tc.n, tc.lc, tc.rc)
		got := runOp(t, func(b *Builder, in []backends.Op) (backends.Op, error) {
			plan := "none"
			if p, ok := b.planDot(in[0], []int{tc.lc}, nil, in[1], []int{tc.rc}, nil); ok {
				plan = map[bool]string{true: "rows", false: "contraction"}[p.splitRows > 1]
			}
			if plan != tc.plan {
				t.Errorf("%s: plan %q, want %q", name, plan, tc.plan)
			}
			return b.DotGeneral(in[0], []int{tc.lc}, nil, in[1], []int{tc.rc}, nil)
		}, l, rr)
		at := func(x tensor, i, j int) float64 { return float64(x.data[i*x.dims[1]+j]) }
		if got.dims[0] != tc.m || got.dims[1] != tc.n {
			t.Fatalf("%s: output dims %v", name, got.dims)
		}
		for i := 0; i < tc.m; i += max(1, tc.m/97) {
			for j := 0; j < tc.n; j++ {
				var want, scale float64
				for q := 0; q < tc.k; q++ {
					var a, b float64
					if tc.lc == 1 {
						a = at(l, i, q)
					} else {
						a = at(l, q, i)
					}
					if tc.rc == 0 {
						b = at(rr, q, j)
					} else {
						b = at(rr, j, q)
					}
					want += a * b
					scale += math.Abs(a * b)
				}
				// float32 accumulation in a different order: 1e-5 of the
				// sum of absolute terms.
				if g := float64(got.data[i*tc.n+j]); math.Abs(g-want) > 1e-5*scale+1e-6 {
					t.Fatalf("%s: [%d,%d] = %v, want %v", name, i, j, g, want)
				}
			}
		}
	}
}
