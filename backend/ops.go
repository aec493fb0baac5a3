package backend

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
)

// Pad pads x with fillValue: Start and End elements before and after each
// axis (negative values cut), and Interior elements between neighbours. It
// is built from Reshape, Concatenate, BroadcastInDim and Slice.
func (b *Builder) Pad(x, fillValue backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	c := &composer{b: b}
	s := c.shape(x)
	if c.err != nil {
		return nil, c.err
	}
	if len(axesConfig) > s.Rank() {
		return nil, fmt.Errorf("Pad: %d axes configured for an operand of rank %d", len(axesConfig), s.Rank())
	}
	for axis, p := range axesConfig {
		if p.Interior < 0 {
			return nil, fmt.Errorf("Pad: negative interior padding %d on axis %d", p.Interior, axis)
		}
		if p.Interior > 0 && s.Dimensions[axis] > 1 {
			x = c.padInterior(x, fillValue, axis, p.Interior)
		}
		x = c.padEdges(x, fillValue, axis, p.Start, p.End)
		s = c.shape(x)
	}
	return x, c.err
}

// padInterior inserts n fill elements between neighbours along axis:
// [pre, d, post] -> [pre, d, 1+n, post] -> [pre, d*(1+n), post] -> cut the
// trailing n.
func (c *composer) padInterior(x, fill backends.Op, axis, n int) backends.Op {
	s := c.shape(x)
	if c.err != nil {
		return nil
	}
	pre, post := 1, 1
	for i, d := range s.Dimensions {
		if i < axis {
			pre *= d
		} else if i > axis {
			post *= d
		}
	}
	d := s.Dimensions[axis]
	x4 := c.reshape(x, pre, d, 1, post)
	gap := c.fill(fill, withDim(c.shape(x4), 2, n))
	y := c.concat(2, x4, gap)
	y = c.reshape(y, pre, d*(1+n), post)
	y = c.sliceAxis(y, 1, 0, d*(1+n)-n, 1)
	return c.reshape(y, withDim(s, axis, d*(1+n)-n).Dimensions...)
}

// padEdges adds (or, when negative, cuts) elements at both ends of axis.
func (c *composer) padEdges(x, fill backends.Op, axis, start, end int) backends.Op {
	s := c.shape(x)
	if c.err != nil {
		return nil
	}
	d := s.Dimensions[axis]
	from, to := max(0, -start), d-max(0, -end)
	if from > to {
		c.err = fmt.Errorf("Pad: negative padding cuts more than the %d elements of axis %d", d, axis)
		return nil
	}
	if from > 0 || to < d {
		x = c.sliceAxis(x, axis, from, to, 1)
		s = c.shape(x)
	}
	parts := []backends.Op{x}
	if start > 0 {
		parts = append([]backends.Op{c.fill(fill, withDim(s, axis, start))}, parts...)
	}
	if end > 0 {
		parts = append(parts, c.fill(fill, withDim(s, axis, end)))
	}
	return c.concat(axis, parts...)
}

// Reverse reverses x along the given axes, one slice per element,
// concatenated in reverse order (meant for kernels, not large tensors).
func (b *Builder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	c := &composer{b: b}
	for _, axis := range axes {
		s := c.shape(x)
		if c.err != nil {
			return nil, c.err
		}
		if axis < 0 || axis >= s.Rank() {
			return nil, fmt.Errorf("Reverse: axis %d out of range for rank %d", axis, s.Rank())
		}
		d := s.Dimensions[axis]
		parts := make([]backends.Op, d)
		for i := 0; i < d; i++ {
			parts[d-1-i] = c.sliceAxis(x, axis, i, i+1, 1)
		}
		x = c.concat(axis, parts...)
	}
	return x, c.err
}

// SelectAndScatterMax adds each source value to the position of the maximum
// of its window in operand (the first one on ties, as XLA does).
func (b *Builder) SelectAndScatterMax(operand, source backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return b.selectAndScatter(operand, source, windowDimensions, windowStrides, paddings, true)
}

// SelectAndScatterMin is SelectAndScatterMax for the minimum.
func (b *Builder) SelectAndScatterMin(operand, source backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return b.selectAndScatter(operand, source, windowDimensions, windowStrides, paddings, false)
}

// selectAndScatter visits the window offsets in row-major order. For each
// offset o it takes the strided slice of operand that holds every window's
// element at o, marks where it equals the window's extreme and no earlier
// offset was chosen, and pads the masked source back to operand positions.
func (b *Builder) selectAndScatter(operand, source backends.Op, window, strides []int, paddings [][2]int, isMax bool) (backends.Op, error) {
	c := &composer{b: b}
	s := c.shape(operand)
	src := c.shape(source)
	if c.err != nil {
		return nil, c.err
	}
	rank := s.Rank()
	if len(window) != rank || src.Rank() != rank {
		return nil, fmt.Errorf("SelectAndScatter: window %v and source %s must match operand rank %d", window, src, rank)
	}
	if len(strides) == 0 {
		strides = window
	}
	pad := make([]backends.PadAxis, rank)
	for i := range pad {
		if i < len(paddings) {
			pad[i] = backends.PadAxis{Start: paddings[i][0], End: paddings[i][1]}
		}
	}
	worst := math.Inf(-1)
	cmp := b.Builder.Max
	if !isMax {
		worst, cmp = math.Inf(1), b.Builder.Min
	}
	padded := c.do(b.Pad(operand, c.scalar(s.DType, worst), pad...))
	ps := c.shape(padded)
	if c.err != nil {
		return nil, c.err
	}
	offsets := windowOffsets(window)
	views := make([]backends.Op, len(offsets))
	var extreme backends.Op
	for k, o := range offsets {
		starts, limits := make([]int, rank), make([]int, rank)
		for i := range o {
			starts[i] = o[i]
			limits[i] = o[i] + (src.Dimensions[i]-1)*strides[i] + 1
			if limits[i] > ps.Dimensions[i] {
				return nil, fmt.Errorf("SelectAndScatter: source %s does not fit operand %s with window %v, strides %v", src, s, window, strides)
			}
		}
		views[k] = c.slice(padded, starts, limits, strides)
		if extreme == nil {
			extreme = views[k]
		} else {
			extreme = c.binary(cmp, extreme, views[k])
		}
	}
	zero := c.fill(c.scalar(s.DType, 0), src)
	var taken, out backends.Op
	for k, o := range offsets {
		hit := c.binary(b.Builder.Equal, views[k], extreme)
		if taken != nil {
			notTaken := c.do(b.Builder.LogicalNot(taken))
			hit = c.binary(b.Builder.LogicalAnd, hit, notTaken)
			taken = c.binary(b.Builder.LogicalOr, taken, hit)
		} else {
			taken = hit
		}
		if c.err != nil {
			return nil, c.err
		}
		chosen := c.do(b.Builder.Where(hit, source, zero))
		back := make([]backends.PadAxis, rank)
		for i := range back {
			span := (src.Dimensions[i]-1)*strides[i] + 1
			back[i] = backends.PadAxis{Start: o[i], End: ps.Dimensions[i] - o[i] - span, Interior: strides[i] - 1}
		}
		placed := c.do(b.Pad(chosen, c.scalar(s.DType, 0), back...))
		if out == nil {
			out = placed
		} else {
			out = c.binary(b.Builder.Add, out, placed)
		}
	}
	// Cut the padding off again.
	unpad := make([]backends.PadAxis, rank)
	for i := range unpad {
		unpad[i] = backends.PadAxis{Start: -pad[i].Start, End: -pad[i].End}
	}
	out = c.do(b.Pad(out, c.scalar(s.DType, 0), unpad...))
	return out, c.err
}

// windowOffsets lists every index inside a window, row-major.
func windowOffsets(window []int) [][]int {
	out := [][]int{make([]int, len(window))}
	for axis := len(window) - 1; axis >= 0; axis-- {
		var next [][]int
		for _, o := range out {
			for i := 0; i < window[axis]; i++ {
				n := append([]int(nil), o...)
				n[axis] = i
				next = append(next, n)
			}
		}
		out = next
	}
	// out is ordered with axis 0 varying fastest; sort to row-major.
	sortRowMajor(out)
	return out
}

func sortRowMajor(xs [][]int) {
	slices.SortStableFunc(xs, slices.Compare)
}

// ConvGeneral fills in the empty strides and dilations that GoMLX's
// convolution gradient passes (simplego rejects them), and turns input
// dilation into interior padding.
func (b *Builder) ConvGeneral(input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	n := len(axes.InputSpatial)
	strides, inputDilations, kernelDilations = ones(strides, n), ones(inputDilations, n), ones(kernelDilations, n)
	dilated := false
	for _, d := range inputDilations {
		dilated = dilated || d > 1
	}
	if dilated {
		c := &composer{b: b}
		s := c.shape(input)
		cfg := make([]backends.PadAxis, s.Rank())
		for i, axis := range axes.InputSpatial {
			cfg[axis].Interior = inputDilations[i] - 1
		}
		input = c.do(b.Pad(input, c.scalar(s.DType, 0), cfg...))
		if c.err != nil {
			return nil, c.err
		}
		inputDilations = ones(nil, n)
	}
	return b.Builder.ConvGeneral(input, kernel, axes, strides, paddings, inputDilations, kernelDilations, channelGroupCount, batchGroupCount)
}

// ones replaces a missing or zero-filled list by n ones.
func ones(xs []int, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
		if i < len(xs) && xs[i] > 0 {
			out[i] = xs[i]
		}
	}
	return out
}
