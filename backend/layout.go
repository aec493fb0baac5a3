package backend

import (
	"slices"
	"unsafe"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// kernelOp is a step the staged builder runs on its own kernels between
// stages, besides products, convolutions and pooling: transposes, sums
// and fused element-wise expressions.
type kernelOp interface {
	reads() []int // value ids, in the order exec receives their data
	result() int  // the value id it computes
	// exec computes the result from the reads' flat data ([]float32 or
	// []bool) into out's flat data.
	exec(in []any, out any)
}

// parallelMin is the number of elements below which a step runs on one
// core: waking another costs more than it saves (at batch 32, 1<<16
// against 1<<14: 8.6 -> 8.0 ms a training step).
const parallelMin = 1 << 16

// transposeStep is a float32 Transpose. Axes that stay next to each other
// are merged first, so [128,7,7,2,2,16] -> [128,7,2,7,2,16] becomes a
// [896,7,2,32] -> [896,2,7,32] move of 32-value runs.
type transposeStep struct {
	in, out int
	dims    []int // merged input dimensions
	perm    []int // merged permutation: out axis i is in axis perm[i]
	size    int
	// pairM, when not 0, marks a depth-to-space of one channel, [A, M, 2,
	// 2] -> [A, 2, M, 2] (rows of 2M pairs split into even and odd ones,
	// pairMerge false), or its inverse, [A, 2, M, 2] -> [A, M, 2, 2]
	// (merged, pairMerge true): movePairRows moves them in vector
	// registers where the CPU has AVX2 (canMovePairs).
	pairM     int
	pairMerge bool
}

func newTransposeStep(in, out int, dims, perm []int) *transposeStep {
	// Drop axes of one, then merge input axes a, a+1 that follow each
	// other in the permutation.
	var d, p []int
	keep := make([]int, len(dims)) // old axis -> new index, -1 if dropped
	n := 0
	for a, x := range dims {
		keep[a] = -1
		if x != 1 {
			keep[a] = n
			d = append(d, x)
			n++
		}
	}
	for _, a := range perm {
		if keep[a] >= 0 {
			p = append(p, keep[a])
		}
	}
	for i := 0; i+1 < len(p); {
		a := p[i]
		if p[i+1] != a+1 {
			i++
			continue
		}
		d[a] *= d[a+1]
		d = slices.Delete(d, a+1, a+2)
		p = slices.Delete(p, i+1, i+2)
		for j := range p {
			if p[j] > a {
				p[j]--
			}
		}
	}
	size := 1
	for _, x := range dims {
		size *= x
	}
	t := &transposeStep{in: in, out: out, dims: d, perm: p, size: size}
	if len(d) == 4 && slices.Equal(p, []int{0, 2, 1, 3}) && d[3] == 2 {
		switch {
		case d[2] == 2:
			t.pairM = d[1]
		case d[1] == 2:
			t.pairM, t.pairMerge = d[2], true
		}
	}
	return t
}

func (t *transposeStep) reads() []int { return []int{t.in} }
func (t *transposeStep) result() int  { return t.out }

func (t *transposeStep) exec(in []any, out any) {
	x, y := in[0].([]float32), out.([]float32)
	r := len(t.dims)
	if r <= 1 || t.size == 0 {
		copy(y, x)
		return
	}
	workers := 1
	if t.size >= parallelMin {
		workers = parallel.Workers()
	}
	if m := t.pairM; m > 0 && canMovePairs() {
		parallel.Chunks(t.dims[0], workers, func(lo, hi int) {
			movePairRows(t.pairMerge, y[lo*4*m:hi*4*m], x[lo*4*m:hi*4*m], hi-lo, m)
		})
		return
	}
	inSt := rowMajorStrides(t.dims)
	od := make([]int, r) // output dims
	os := make([]int, r) // input stride of each output axis
	for i, a := range t.perm {
		od[i], os[i] = t.dims[a], inSt[a]
	}
	run := od[r-1] // the last output axis: a run when its input stride is 1
	step := os[r-1]
	// A block is the last two output axes: the odometer over the others
	// turns once a block, not once a run. With two axes, or too few
	// blocks to share among the cores, a block is one run.
	mid, midSt, outer := 1, 0, r-1
	if r >= 3 && t.size/(run*od[r-2]) >= 4*workers {
		mid, midSt, outer = od[r-2], os[r-2], r-2
	}
	// Blocks of a few values (space-to-depth of one channel: 2 runs of 2)
	// take in a third axis, so the odometer turns once every 8 or more.
	top, topSt := 1, 0
	if outer == r-2 && r >= 3 && run*mid < 16 && t.size/(run*mid*od[r-3]) >= 4*workers {
		top, topSt, outer = od[r-3], os[r-3], r-3
	}
	blocks := t.size / (run * mid * top)
	parallel.Chunks(blocks, workers, func(lo, hi int) {
		idx := make([]int, outer) // output index of block lo
		rem := lo
		for a := outer - 1; a >= 0; a-- {
			idx[a] = rem % od[a]
			rem /= od[a]
		}
		base := 0
		for a := range outer {
			base += idx[a] * os[a]
		}
		for blk := lo; blk < hi; blk++ {
			if step == 1 && run == 2 && top > mid {
				// Space-to-depth of one channel: pairs again, the longer
				// axis innermost.
				dst := y[blk*top*mid*2 : (blk+1)*top*mid*2]
				for i := range mid {
					b := base + i*midSt
					_ = x[b+(top-1)*topSt+1]
					for tp := range top {
						*(*uint64)(unsafe.Pointer(&dst[(tp*mid+i)*2])) = *(*uint64)(unsafe.Pointer(&x[b+tp*topSt]))
					}
				}
			}
			for tp := 0; tp < top && !(step == 1 && run == 2 && top > mid); tp++ {
				dst := y[(blk*top+tp)*mid*run : (blk*top+tp+1)*mid*run]
				b := base + tp*topSt
				switch {
				case step == 1 && run == 2:
					// Depth-to-space of one channel: pairs, each moved as
					// one 8-byte word (bounds checked on its last value).
					_ = x[b+(mid-1)*midSt+1]
					for i := range mid {
						*(*uint64)(unsafe.Pointer(&dst[2*i])) = *(*uint64)(unsafe.Pointer(&x[b+i*midSt]))
					}
				default:
					for i := range mid {
						copyRun(dst[i*run:(i+1)*run], x[b+i*midSt:], step)
					}
				}
			}
			for a := outer - 1; a >= 0; a-- { // next block: odometer
				idx[a]++
				base += os[a]
				if idx[a] < od[a] {
					break
				}
				base -= idx[a] * os[a]
				idx[a] = 0
			}
		}
	})
}

// copyRun sets dst[j] = src[j*step].
func copyRun(dst, src []float32, step int) {
	switch {
	case step == 1 && len(dst) <= 8:
		// Value by value: a copy call costs more than a few values
		// (depth-to-space of one channel moves runs of 2).
		for j, v := range src[:len(dst)] {
			dst[j] = v
		}
	case step == 1:
		copy(dst, src)
	default:
		for j := range dst {
			dst[j] = src[j*step]
		}
	}
}

// reduceBlock is how many indices of a reduced leading axis one partial
// sum covers. Fixed, so the order of additions, and with it every bit of
// the result, does not depend on the number of cores.
const reduceBlock = 512

// sumStep is a float32 ReduceSum. Neighbouring axes that are both reduced
// or both kept are merged; the leading axis is split across the cores:
// into disjoint outputs when it is kept, into fixed blocks whose partial
// sums are added in order when it is reduced.
type sumStep struct {
	in, out int
	dims    []int  // merged input dimensions
	reduced []bool // per merged axis
	outSize int
}

func newSumStep(in, out int, dims []int, axes []int) *sumStep {
	red := make([]bool, len(dims))
	for _, a := range axes {
		red[a] = true
	}
	s := &sumStep{in: in, out: out, outSize: 1}
	for a, x := range dims {
		if !red[a] {
			s.outSize *= x
		}
		if x == 1 {
			continue
		}
		if n := len(s.dims); n > 0 && s.reduced[n-1] == red[a] {
			s.dims[n-1] *= x
			continue
		}
		s.dims = append(s.dims, x)
		s.reduced = append(s.reduced, red[a])
	}
	return s
}

func (s *sumStep) reads() []int { return []int{s.in} }
func (s *sumStep) result() int  { return s.out }

func (s *sumStep) exec(in []any, out any) {
	x, y := in[0].([]float32), out.([]float32)
	clear(y)
	if len(x) == 0 { // nothing to add: zeros
		return
	}
	if len(s.dims) == 0 {
		y[0] = x[0]
		return
	}
	lead := s.dims[0]
	inner := len(x) / lead // input values per index of the leading axis
	workers := 1
	if len(x) >= parallelMin {
		workers = parallel.Workers()
	}
	if !s.reduced[0] {
		outInner := len(y) / lead
		parallel.Chunks(lead, workers, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				sumInto(y[i*outInner:(i+1)*outInner], x[i*inner:(i+1)*inner], s.dims[1:], s.reduced[1:])
			}
		})
		return
	}
	blocks := (lead + reduceBlock - 1) / reduceBlock
	partial := make([]float32, blocks*len(y))
	dims := slices.Clone(s.dims)
	if len(dims) == 1 { // every value summed: block sums side by side
		parallel.Chunks(blocks, workers, func(lo, hi int) {
			sumBlocks(partial[lo:hi], x[lo*reduceBlock:min(len(x), hi*reduceBlock)])
		})
		for _, v := range partial {
			y[0] += v
		}
		return
	}
	parallel.Chunks(blocks, workers, func(lo, hi int) {
		d := slices.Clone(dims)
		for blk := lo; blk < hi; blk++ {
			p := partial[blk*len(y) : (blk+1)*len(y)]
			i0, i1 := blk*reduceBlock, min(lead, (blk+1)*reduceBlock)
			d[0] = i1 - i0 // the block as a tensor of its own: one loop when it is all summed
			sumInto(p, x[i0*inner:i1*inner], d, s.reduced)
		}
	})
	for blk := range blocks {
		p := partial[blk*len(y) : (blk+1)*len(y)]
		for j := range y {
			y[j] += p[j]
		}
	}
}

// sumBlocks sets p[b] to the sum of x's values [b*reduceBlock,
// (b+1)*reduceBlock), added one after another from the first, as
// sumInto's loop adds them. Eight blocks are summed at a time, their chains
// of additions interleaved: each waits on its own previous addition only,
// so the core overlaps eight of them instead of waiting out each one.
func sumBlocks(p, x []float32) {
	const k = reduceBlock
	b := 0
	for ; (b+8)*k <= len(x); b += 8 {
		x0 := x[b*k : (b+1)*k : (b+1)*k]
		x1, x2, x3 := x[(b+1)*k:][:k], x[(b+2)*k:][:k], x[(b+3)*k:][:k]
		x4, x5, x6, x7 := x[(b+4)*k:][:k], x[(b+5)*k:][:k], x[(b+6)*k:][:k], x[(b+7)*k:][:k]
		var s0, s1, s2, s3, s4, s5, s6, s7 float32
		for i := range x0 {
			s0 += x0[i]
			s1 += x1[i]
			s2 += x2[i]
			s3 += x3[i]
			s4 += x4[i]
			s5 += x5[i]
			s6 += x6[i]
			s7 += x7[i]
		}
		p[b], p[b+1], p[b+2], p[b+3] = s0, s1, s2, s3
		p[b+4], p[b+5], p[b+6], p[b+7] = s4, s5, s6, s7
	}
	for ; b < len(p); b++ {
		var s float32
		for _, v := range x[b*k : min(len(x), (b+1)*k)] {
			s += v
		}
		p[b] = s
	}
}

// sumInto adds x (shaped dims) reduced over the reduced axes to y.
func sumInto(y, x []float32, dims []int, reduced []bool) {
	if len(dims) == 0 {
		y[0] += x[0]
		return
	}
	n := dims[0]
	inner := len(x) / n
	if len(dims) == 1 {
		if reduced[0] {
			var s float32
			for _, v := range x {
				s += v
			}
			y[0] += s
			return
		}
		y = y[:len(x)]
		k := vecBinary(opAdd, y, y, x) // the same additions, in lanes
		for i, v := range x[k:] {
			y[k+i] += v
		}
		return
	}
	if reduced[0] {
		if len(dims) == 2 && !reduced[1] && sumRows(y[:inner], x) {
			return // rows added in lanes, in the same order
		}
		for i := range n {
			sumInto(y, x[i*inner:(i+1)*inner], dims[1:], reduced[1:])
		}
		return
	}
	outInner := len(y) / n
	for i := range n {
		sumInto(y[i*outInner:(i+1)*outInner], x[i*inner:(i+1)*inner], dims[1:], reduced[1:])
	}
}

// sliceStep is a float32 Slice: rows of the output (all axes but the
// last) copied from the input, runs where the last axis's stride is one.
type sliceStep struct {
	in, out         int
	inSt            []int // input strides
	starts, strides []int
	outDims         []int
	size            int
}

func (s *sliceStep) reads() []int { return []int{s.in} }
func (s *sliceStep) result() int  { return s.out }

func (s *sliceStep) exec(in []any, out any) {
	x, y := in[0].([]float32), out.([]float32)
	r := len(s.outDims)
	if r == 0 {
		y[0] = x[0]
		return
	}
	run := s.outDims[r-1]
	if run == 0 || s.size == 0 {
		return
	}
	rows := s.size / run
	step := s.strides[r-1] * s.inSt[r-1]
	first := s.starts[r-1] * s.inSt[r-1]
	workers := 1
	if s.size >= parallelMin {
		workers = parallel.Workers()
	}
	parallel.Chunks(rows, workers, func(lo, hi int) {
		idx := make([]int, r-1)
		rem := lo
		for a := r - 2; a >= 0; a-- {
			idx[a] = rem % s.outDims[a]
			rem /= s.outDims[a]
		}
		for row := lo; row < hi; row++ {
			base := first
			for a, i := range idx {
				base += (s.starts[a] + i*s.strides[a]) * s.inSt[a]
			}
			dst := y[row*run : (row+1)*run]
			if step == 1 {
				copy(dst, x[base:base+run])
			} else {
				for j := range dst {
					dst[j] = x[base+j*step]
				}
			}
			for a := r - 2; a >= 0; a-- {
				if idx[a]++; idx[a] < s.outDims[a] {
					break
				}
				idx[a] = 0
			}
		}
	})
}

// concatStep is a float32 Concatenate: for each index of the axes before
// the concatenated one, each operand's run copied in turn.
type concatStep struct {
	ins   []int
	out   int
	runs  []int // values each operand gives per outer index
	outer int
}

func (c *concatStep) reads() []int { return c.ins }
func (c *concatStep) result() int  { return c.out }

func (c *concatStep) exec(in []any, out any) {
	y := out.([]float32)
	total := len(y) / max(1, c.outer)
	workers := 1
	if len(y) >= parallelMin {
		workers = parallel.Workers()
	}
	parallel.Chunks(c.outer, workers, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			dst := y[o*total:]
			for i, run := range c.runs {
				copy(dst[:run], in[i].([]float32)[o*run:(o+1)*run])
				dst = dst[run:]
			}
		}
	})
}

// padStep is a float32 Pad with non-negative edges and no interior
// padding: the output filled with the fill value, then the input's rows
// copied into place.
type padStep struct {
	in, fill, out int
	inDims, lo    []int
	outSt         []int
}

func (p *padStep) reads() []int { return []int{p.in, p.fill} }
func (p *padStep) result() int  { return p.out }

func (p *padStep) exec(in []any, out any) {
	x, v, y := in[0].([]float32), in[1].([]float32)[0], out.([]float32)
	for i := range y {
		y[i] = v
	}
	r := len(p.inDims)
	if r == 0 {
		y[0] = x[0]
		return
	}
	run := p.inDims[r-1]
	if run == 0 || len(x) == 0 {
		return
	}
	rows := len(x) / run
	workers := 1
	if len(y) >= parallelMin {
		workers = parallel.Workers()
	}
	parallel.Chunks(rows, workers, func(lo, hi int) {
		idx := make([]int, r-1)
		rem := lo
		for a := r - 2; a >= 0; a-- {
			idx[a] = rem % p.inDims[a]
			rem /= p.inDims[a]
		}
		for row := lo; row < hi; row++ {
			base := p.lo[r-1]
			for a, i := range idx {
				base += (p.lo[a] + i) * p.outSt[a]
			}
			copy(y[base:base+run], x[row*run:(row+1)*run])
			for a := r - 2; a >= 0; a-- {
				if idx[a]++; idx[a] < p.inDims[a] {
					break
				}
				idx[a] = 0
			}
		}
	})
}

// reverseStep is a float32 Reverse (the kernel flips of convolution
// gradients: small), value by value.
type reverseStep struct {
	in, out int
	dims    []int
	rev     []bool
}

func (r *reverseStep) reads() []int { return []int{r.in} }
func (r *reverseStep) result() int  { return r.out }

func (r *reverseStep) exec(in []any, out any) {
	x, y := in[0].([]float32), out.([]float32)
	// Axes after the last reversed one are copied as runs.
	last := -1
	for a, rv := range r.rev {
		if rv {
			last = a
		}
	}
	if last < 0 {
		copy(y, x)
		return
	}
	st := rowMajorStrides(r.dims)
	run := st[last]
	idx := make([]int, last+1)
	for i := 0; i < len(y); i += run {
		src := 0
		for a, v := range idx {
			if r.rev[a] {
				v = r.dims[a] - 1 - v
			}
			src += v * st[a]
		}
		copy(y[i:i+run], x[src:src+run])
		for a := last; a >= 0; a-- {
			if idx[a]++; idx[a] < r.dims[a] {
				break
			}
			idx[a] = 0
		}
	}
}
