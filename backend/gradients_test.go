package backend

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestReducedShape(t *testing.T) {
	f := func(d ...int) shapes.Shape { return shapes.Make(dtypes.Float32, d...) }
	cases := []struct {
		in, out shapes.Shape
		keep    []int // nil: ambiguous or not a reduction
	}{
		{f(128, 14, 2, 14, 2, 16), f(128, 14, 14, 16), []int{128, 14, 1, 14, 1, 16}},
		{f(128, 3, 2, 3, 2, 64), f(128, 3, 3, 64), []int{128, 3, 1, 3, 1, 64}},
		{f(5, 7), f(5), []int{5, 1}},
		{f(5, 7), f(), []int{1, 1}},
		{f(2, 2), f(2), nil},    // axis 0 or 1
		{f(3, 4), f(3, 4), nil}, // nothing reduced
		{f(3, 4), f(4, 3), nil}, // not a reduction
		{f(4, 2, 4), f(4), nil}, // axis 0 or 2 kept
	}
	for _, c := range cases {
		keep, ok := reducedShape(c.in, c.out)
		if c.keep == nil {
			if ok {
				t.Errorf("%s -> %s: got %s, want ambiguous", c.in, c.out, keep)
			}
			continue
		}
		if !ok || !keep.Equal(f(c.keep...)) {
			t.Errorf("%s -> %s: got %s (ok=%v), want %v", c.in, c.out, keep, ok, c.keep)
		}
	}
}

// TestMaxGradients checks the installed gradients of Max (a ReLU and a max
// of two tensors, with ties) and of ReduceMax (2x2 pooling as in the model,
// with ties) against plain-Go references: the gradient goes to x where
// x >= y (ties to x), and to every element equal to its window's maximum.
func TestMaxGradients(t *testing.T) {
	be, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	n := 2 * 4 * 2 * 4 * 2 * 3
	x, y, w := make([]float64, n), make([]float64, n), make([]float64, 2*4*4*3)
	for i := range x {
		x[i] = float64(r.IntN(5) - 2) // small integers: many ties
		y[i] = float64(r.IntN(5) - 2)
	}
	for i := range w {
		w[i] = r.Float64()*2 - 1
	}
	dims := []int{2, 4, 2, 4, 2, 3}
	exec, err := NewExec(be, func(x, y, w *Node) []*Node {
		m := Max(x, y)
		p := ReduceMax(x, 2, 4)
		loss := Add(ReduceAllSum(Mul(m, x)), ReduceAllSum(Mul(p, w)))
		return Gradient(loss, y, x)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, dims...), tensors.FromFlatDataAndDimensions(y, dims...),
		tensors.FromFlatDataAndDimensions(w, 2, 4, 4, 3))
	if err != nil {
		t.Fatal(err)
	}
	gy, gx := tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
	// Reference: loss = sum(max(x,y)*x) + sum(w * pool(x)).
	wantX, wantY := make([]float64, n), make([]float64, n)
	for i := range x {
		m := math.Max(x[i], y[i])
		wantX[i] = m // d/dx of m*x, holding m
		if x[i] >= y[i] {
			wantX[i] += x[i] // m's own dependence on x
		} else {
			wantY[i] = x[i]
		}
	}
	idx := func(b, h, i, wd, j, c int) int { return ((((b*4+h)*2+i)*4+wd)*2+j)*3 + c }
	for b := range 2 {
		for h := range 4 {
			for wd := range 4 {
				for c := range 3 {
					mx := math.Inf(-1)
					for i := range 2 {
						for j := range 2 {
							mx = math.Max(mx, x[idx(b, h, i, wd, j, c)])
						}
					}
					for i := range 2 {
						for j := range 2 {
							if k := idx(b, h, i, wd, j, c); x[k] == mx {
								wantX[k] += w[((b*4+h)*4+wd)*3+c]
							}
						}
					}
				}
			}
		}
	}
	for i := range x {
		if math.Abs(gx[i]-wantX[i]) > 1e-12 || math.Abs(gy[i]-wantY[i]) > 1e-12 {
			t.Fatalf("[%d] x=%v y=%v: dx %v (want %v), dy %v (want %v)", i, x[i], y[i], gx[i], wantX[i], gy[i], wantY[i])
		}
	}
}
