package backend

import (
	"sync"

	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hourglass-ml/hourglass/internal/parallel"
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
