package backend

import (
	"math"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// window is a float32 max pooling step (ReduceWindow with the max
// reduction) or its gradient (SelectAndScatterMax), without padding or
// dilations: plain loops over a table of window offsets, split across the
// cores along the first axis when windows there do not overlap.
//
// ReduceWindow:       out[g] = max over w of x[g*stride + w]
// SelectAndScatterMax: out = 0; out[g*stride + w*] += src[g], w* the first
// position of the window's maximum (XLA's select by >=).
type window struct {
	x, src, out int // value ids (src: SelectAndScatter only, else -1)
	xShape      shapes.Shape
	grid        []int // window positions per axis: the output (ReduceWindow) or source shape
	dims        []int // window dimensions
	strides     []int
	scatter     bool
	// forceGeneral keeps a pool2x2 step on the general loops (benchmarks).
	forceGeneral bool

	once    sync.Once
	offsets []int // x offsets of the window's elements, in row-major window order
	xSt     []int
}

func (w *window) setup() {
	w.xSt = rowMajorStrides(w.xShape.Dimensions)
	w.offsets = []int{0}
	for d, n := range w.dims {
		var next []int
		for _, o := range w.offsets {
			for i := range n {
				next = append(next, o+i*w.xSt[d])
			}
		}
		w.offsets = next
	}
}

// run computes the step: x and (for SelectAndScatter) src in, out out.
// The grid is walked a row (all axes but the last) at a time; along the
// last axis (channels, in NHWC pooling) the windows are next to each other.
func (w *window) run(x, src, out []float32) {
	w.once.Do(w.setup)
	if w.pool2x2() && !w.forceGeneral {
		w.run2x2(x, src, out)
		return
	}
	grid, strides, xSt := w.grid, w.strides, w.xSt
	if len(grid) == 1 { // a leading axis of one keeps the loops below simple
		grid, strides, xSt = []int{1, grid[0]}, []int{1, strides[0]}, []int{0, xSt[0]}
	}
	last := len(grid) - 1
	nLast, stepLast := grid[last], strides[last]*xSt[last]
	inner := 1 // rows per index of the first axis
	for _, n := range grid[1:last] {
		inner *= n
	}
	offs := w.offsets
	if w.scatter {
		clear(out)
	}
	workers := parallel.Workers()
	if w.scatter && len(w.dims) > 1 && w.dims[0] > w.strides[0] {
		workers = 1 // windows overlap along the first axis: scatters would race
	}
	parallel.Range(grid[0], workers, func(lo, hi int) {
		idx := make([]int, last)
		for g0 := lo; g0 < hi; g0++ {
			clear(idx)
			for row := range inner {
				base := g0 * strides[0] * xSt[0]
				for d := 1; d < last; d++ {
					base += idx[d] * strides[d] * xSt[d]
				}
				r := (g0*inner + row) * nLast
				if !w.scatter {
					o := out[r : r+nLast]
					for j := range o {
						b := base + j*stepLast
						m := x[b+offs[0]]
						for _, off := range offs[1:] {
							m = max(m, x[b+off])
						}
						o[j] = m
					}
				} else {
					for j, v := range src[r : r+nLast] {
						b := base + j*stepLast
						best := b + offs[0]
						m := x[best]
						for _, off := range offs[1:] {
							xv := x[b+off]
							best += b2i(xv > m) * (b + off - best) // no branch: maxima are random
							m = max(m, xv)
						}
						out[best] += v
					}
				}
				for d := last - 1; d >= 1; d-- {
					idx[d]++
					if idx[d] < grid[d] {
						break
					}
					idx[d] = 0
				}
			}
		}
	})
}

// b2i is 1 for true, 0 for false; the compiler makes it a SETcc, not a
// branch.
func b2i(b bool) int {
	var i int
	if b {
		i = 1
	}
	return i
}

// pool2x2 says whether the step is the model's pooling: 2x2 windows with
// stride 2 over the middle axes of an NHWC tensor, which run2x2 runs with
// contiguous channel rows and no offset table.
func (w *window) pool2x2() bool {
	return len(w.dims) == 4 && slices.Equal(w.dims, []int{1, 2, 2, 1}) && slices.Equal(w.strides, []int{1, 2, 2, 1})
}

// run2x2 is run for pool2x2 steps: each output row (batch, oh) reads two
// input rows; for each output column the four candidates are channel
// vectors next to each other in memory. The forward step keeps the
// largest value, the gradient gives src to the first largest of the four
// in row-major window order (as run's offset table and XLA's >= select
// do; windows do not overlap, so every x position gets at most one value).
func (w *window) run2x2(x, src, out []float32) {
	d := w.xShape.Dimensions
	h, wd, c := d[1], d[2], d[3]
	oh, ow := w.grid[1], w.grid[2]
	parallel.Chunks(w.grid[0]*oh, parallel.Workers(), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			b, i := r/oh, r%oh
			top := (b*h + 2*i) * wd * c
			bottom := top + wd*c
			res := r * ow * c
			if w.scatter { // zero what no window covers: a last odd column, the rows below the last window
				clear(out[top+2*ow*c : top+wd*c])
				clear(out[bottom+2*ow*c : bottom+wd*c])
				if i == oh-1 {
					clear(out[bottom+wd*c : (b+1)*h*wd*c])
				}
			}
			if !w.scatter && pool2x2Row(out[res:res+ow*c], x[top:top+2*ow*c], x[bottom:bottom+2*ow*c], ow, c) {
				continue
			}
			if w.scatter && scatter2x2Row(src[res:res+ow*c], x[top:top+2*ow*c], x[bottom:bottom+2*ow*c],
				out[top:top+2*ow*c], out[bottom:bottom+2*ow*c], ow, c) {
				continue
			}
			for j := range ow {
				x0 := x[top+2*j*c : top+2*j*c+c]
				x1 := x[top+2*j*c+c : top+2*j*c+2*c]
				x2 := x[bottom+2*j*c : bottom+2*j*c+c]
				x3 := x[bottom+2*j*c+c : bottom+2*j*c+2*c]
				if !w.scatter {
					maxOf4(out[res+j*c:res+j*c+c], x0, x1, x2, x3)
					continue
				}
				scatterMax4(src[res+j*c:res+j*c+c], x0, x1, x2, x3,
					out[top+2*j*c:top+2*j*c+c], out[top+2*j*c+c:top+2*j*c+2*c],
					out[bottom+2*j*c:bottom+2*j*c+c], out[bottom+2*j*c+c:bottom+2*j*c+2*c])
			}
		}
	})
}

// maxOf4 is o = max(x0, x1, x2, x3) element by element.
func maxOf4(o, x0, x1, x2, x3 []float32) {
	x0, x1, x2, x3 = x0[:len(o)], x1[:len(o)], x2[:len(o)], x3[:len(o)]
	for k := range o {
		o[k] = max(max(x0[k], x1[k]), max(x2[k], x3[k]))
	}
}

// scatterMax4 puts each src value where the first maximum of the four
// candidates is and zero in the other three, without branches (which of
// the four holds the maximum is random): each output takes the value's
// bits under an all-ones or all-zeros mask.
func scatterMax4(src, x0, x1, x2, x3, o0, o1, o2, o3 []float32) {
	n := len(src)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	o0, o1, o2, o3 = o0[:n], o1[:n], o2[:n], o3[:n]
	for k, v := range src {
		a, b, c, d := x0[k], x1[k], x2[k], x3[k]
		m := max(max(a, b), max(c, d))
		bits := math.Float32bits(v)
		t0 := uint32(b2i(a == m))
		t1 := uint32(b2i(b == m)) &^ t0
		t2 := uint32(b2i(c == m)) &^ (t0 | t1)
		t3 := 1 &^ (t0 | t1 | t2)
		o0[k] = math.Float32frombits(bits & -t0)
		o1[k] = math.Float32frombits(bits & -t1)
		o2[k] = math.Float32frombits(bits & -t2)
		o3[k] = math.Float32frombits(bits & -t3)
	}
}
