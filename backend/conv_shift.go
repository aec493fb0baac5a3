package backend

import (
	"github.com/hourglass-ml/hourglass/internal/gemm"
	"github.com/hourglass-ml/hourglass/internal/parallel"
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
// its padded grid P (zeros around) and the kernel into the same grid
// (zeros past its own extent). With q running over (ic, grid position)
// and off(o) the flat offset of tap o in the grid,
//
//	out[o, oc] = sum over q of xpad[q + off(o)] * kpad[q, oc]
//
// since a kernel position k + tap o never leaves the padded grid, and
// where q + off(o) runs into the next ic (or past the end) kpad is zero.
// A block of q is then one product of the taps' runs of xpad, copied
// whole, with the block of kpad read in place. (With more channels the
// grid's padding costs more products than the gather it saves: measured
// by BenchmarkKernelGradient, the im2col path stays.)

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

// shiftBlock is the contraction handled at a time.
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
	q := ic * grid
	xp := gemm.Scratch(q + off[taps-1])
	defer gemm.Release(xp)
	kp := gemm.Scratch(q * oc)
	defer gemm.Release(kp)
	workers := parallel.Workers()
	parallel.Range(ic, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			embed((*xp)[i*grid:(i+1)*grid], x[i*len(x)/ic:(i+1)*len(x)/ic], g.inSp, P, G, c.pads, 1)
			embed((*kp)[i*grid*oc:(i+1)*grid*oc], k[i*len(k)/ic:(i+1)*len(k)/ic], g.kSp, P, G, nil, oc)
		}
	})
	clear((*xp)[q:]) // read against kpad's zeros: must not be NaN
	nb := (q + shiftBlock - 1) / shiftBlock
	workers = max(1, min(workers, nb))
	partial := make([][]float32, workers)
	parallel.Do(workers, func(w int) {
		dst := out
		if w > 0 {
			partial[w] = make([]float32, len(out))
			dst = partial[w]
		}
		a := gemm.Scratch(taps * shiftBlock)
		defer gemm.Release(a)
		b0, b1 := nb*w/workers, nb*(w+1)/workers
		if b0 == b1 {
			clear(dst)
		}
		for blk := b0; blk < b1; blk++ {
			k0 := blk * shiftBlock
			kn := min(shiftBlock, q-k0)
			bm := gemm.Matrix{Data: (*kp)[k0*oc : (k0+kn)*oc], Rows: kn, Cols: oc, Stride: oc}
			for o := range taps { // a row a tap: its run of xpad
				copy((*a)[o*kn:(o+1)*kn], (*xp)[k0+off[o]:])
			}
			gemm.Serial(dst, oc, gemm.Matrix{Data: (*a)[:taps*kn], Rows: taps, Cols: kn, Stride: kn}, bm, blk > b0)
		}
	})
	for _, p := range partial[1:] {
		for i, v := range p {
			out[i] += v
		}
	}
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
