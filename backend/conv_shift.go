package backend

import (
	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// A one-channel kernel's gradient from runs. GoMLX computes the gradient
// of a stride-1 NHWC convolution's kernel as a convolution of the input,
// laid out [ic, s..., b] (the forward batch as channels, the forward
// channels as batch), with the output gradient [ic, k..., oc] as kernel,
// giving [o..., b, oc] (o: the forward kernel's taps):
//
//	out[o, b, oc] = sum over ic, k of x[ic, o + k - padLo, b] * kern[ic, k, oc]
//
// With one forward input channel (b = 1, the model's first layer) the
// im2col path gathers single values. Here the input is copied once into
// its padded grid P (zeros around); with off(o) the flat offset of tap o
// in the grid, and the kernel's positions k at grid offset pos(k),
//
//	out[o, oc] = sum over ic, k of xpad[ic, pos(k) + off(o)] * kern[ic, k, oc]
//
// A block of kernel rows (all spatial axes but the last) is then one
// product: the taps' runs of xpad, copied whole, times the block of the
// kernel read in place. (With more channels, both this with a product a
// tap and products reading the input in place over the padded grid
// measured slower than im2col in BenchmarkKernelGradient, so those stay
// there.)

// shiftable reports whether the convolution is such a kernel gradient:
// one channel, unit strides and dilations, non-negative padding, the
// layouts above.
func (c *convolution) shiftable(g *convGeometry) bool {
	a, n := c.axes, g.nsp
	ok := g.batch == 1 && a.InputChannels == 0 && a.InputBatch == n+1 && a.KernelInputChannels == 0 && a.KernelOutputChannels == n+1 &&
		a.OutputBatch == n && a.OutputChannels == n+1
	for d := range n {
		ok = ok && a.InputSpatial[d] == d+1 && a.KernelSpatial[d] == d+1 && a.OutputSpatial[d] == d &&
			g.strides[d] == 1 && g.inDil[d] == 1 && g.kDil[d] == 1 && c.pads[d][0] >= 0 && c.pads[d][1] >= 0
	}
	return ok
}

// shiftBlock is about the contraction handled at a time.
const shiftBlock = 256

// runShifted computes the kernel gradient as above.
func (c *convolution) runShifted(g *convGeometry, x, k, out []float32) {
	n, ic, oc := g.nsp, g.cin, g.cout
	P := make([]int, n)
	for d := range n {
		P[d] = g.inSp[d] + c.pads[d][0] + c.pads[d][1]
	}
	G := rowMajorStrides(P)
	grid := G[0] * P[0]
	taps := g.outPos
	off := make([]int, taps)
	for o := range taps {
		r := o
		for d := n - 1; d >= 0; d-- {
			off[o] += r % g.outSp[d] * G[d]
			r /= g.outSp[d]
		}
	}
	xp := gemm.Scratch(ic * grid)
	defer gemm.Release(xp)
	workers := parallel.Workers()
	parallel.Range(ic, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			embed((*xp)[i*grid:(i+1)*grid], x[i*len(x)/ic:(i+1)*len(x)/ic], g.inSp, P, G, c.pads, 1)
		}
	})
	if c.useTaps(g) {
		c.runShiftedTaps(g, (*xp)[:ic*grid], k, out, off, grid, G[0])
		return
	}
	// The contraction runs over the kernel's own positions, a row (all
	// spatial axes but the last) of kw of them at a time, so the kernel is
	// read in place and nothing is spent on the grid's padding; the taps'
	// rows of xpad are gathered in runs of kw.
	kw := g.kSp[n-1]
	rows := len(k) / (kw * oc) // (ic, k...) rows
	perRow := rows / ic
	base := make([]int, rows) // xpad offset of each row's first position
	for r := range rows {
		i, rem, b := r/perRow, r%perRow, 0
		for d := n - 2; d >= 0; d-- {
			b += rem % g.kSp[d] * G[d]
			rem /= g.kSp[d]
		}
		base[r] = i*grid + b
	}
	rb := max(1, shiftBlock/kw) // rows a block
	nb := (rows + rb - 1) / rb
	workers = max(1, min(workers, nb))
	partial := make([]*[]float32, workers)
	parallel.Do(workers, func(w int) {
		dst := out
		if w > 0 { // overwritten whole by its first block (or cleared)
			partial[w] = gemm.Scratch(len(out))
			dst = *partial[w]
		}
		a := gemm.Scratch(taps * rb * kw)
		defer gemm.Release(a)
		b0, b1 := nb*w/workers, nb*(w+1)/workers
		if b0 == b1 {
			clear(dst)
		}
		for blk := b0; blk < b1; blk++ {
			r0, r1 := blk*rb, min(rows, (blk+1)*rb)
			kn := (r1 - r0) * kw
			for o := range taps { // a row a tap: its runs of xpad
				row := (*a)[o*kn : (o+1)*kn]
				for r := r0; r < r1; r++ {
					copy(row[(r-r0)*kw:(r-r0+1)*kw], (*xp)[base[r]+off[o]:])
				}
			}
			bm := gemm.Matrix{Data: k[r0*kw*oc : r1*kw*oc], Rows: kn, Cols: oc, Stride: oc}
			gemm.Serial(dst, oc, gemm.Matrix{Data: (*a)[:taps*kn], Rows: taps, Cols: kn, Stride: kn}, bm, blk > b0)
		}
	})
	addPartials(out, partial[1:])
}

// runShiftedTaps computes runShifted's kernel gradient with gemm's tap
// products, which read the padded input in place: per image ic and panel
// of gemm.TapWidth channels, tap o sums xp[ic, r*xrs + off[o] + p] times
// the kernel's value at its row r and position p along the row. Each core
// sums its images into its own copy of the result; the copies are added.
func (c *convolution) runShiftedTaps(g *convGeometry, xp, k, out []float32, off []int, grid, xrs int) {
	const tw = gemm.TapWidth
	n, oc := g.nsp, g.cout
	rows, w := 1, g.kSp[n-1]
	if n == 2 {
		rows = g.kSp[0]
	}
	perImage := rows * w * oc
	workers := max(1, min(parallel.Workers(), g.cin))
	partial := make([]*[]float32, workers)
	parallel.Do(workers, func(wk int) {
		dst := out
		if wk > 0 {
			partial[wk] = gemm.Scratch(len(out))
			dst = *partial[wk]
		}
		clear(dst)
		for i := g.cin * wk / workers; i < g.cin*(wk+1)/workers; i++ {
			for pn := range oc / tw {
				gemm.TapsGrad(dst[pn*tw:], oc, xp[i*grid:(i+1)*grid], xrs, rows, w, off, k[i*perImage+pn*tw:(i+1)*perImage], oc)
			}
		}
	})
	addPartials(out, partial[1:])
}

// embed copies src, a [s..., w] block (s the spatial dimensions, w values
// a position), into dst, the padded grid P (strides G) of the same, at the
// low paddings (none when pads is nil), zeros elsewhere.
func embed(dst, src []float32, s, P, G []int, pads [][2]int, w int) {
	clear(dst)
	n := len(s)
	run := s[n-1] * w
	rows := len(src) / run
	idx := make([]int, n-1)
	for r := range rows {
		base := 0
		for d := range n - 1 {
			base += idx[d] * G[d]
		}
		if pads != nil {
			for d := range n {
				base += pads[d][0] * G[d]
			}
		}
		copy(dst[base*w:base*w+run], src[r*run:(r+1)*run])
		for d := n - 2; d >= 0; d-- {
			if idx[d]++; idx[d] < s[d] {
				break
			}
			idx[d] = 0
		}
	}
}
