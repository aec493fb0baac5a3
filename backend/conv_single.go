package backend

import (
	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// A one-channel convolution (the model's first layer) without single-value
// gathers. Its im2col rows hold one value a tap, so gathering them writes
// every input value once per tap, one at a time. Along an output row the
// values of one tap are a run of the padded input instead:
//
//	out[b, o, oc] = sum over k of xpad[b, o + k] * kern[k, oc]
//
// so a block of output rows is one product of the taps' runs, copied whole
// and read transposed, with the kernel matrix [k, oc].

// singleChannel reports whether the convolution is such a forward one:
// NHWC-like layout with one input channel, unit strides and dilations,
// non-negative padding.
func (c *convolution) singleChannel(g *convGeometry) bool {
	a, n := c.axes, g.nsp
	ok := g.cin == 1 && a.InputBatch == 0 && a.InputChannels == n+1 && a.OutputBatch == 0 && a.OutputChannels == n+1
	for d := range n {
		ok = ok && a.InputSpatial[d] == d+1 && a.OutputSpatial[d] == d+1 &&
			g.strides[d] == 1 && g.inDil[d] == 1 && g.kDil[d] == 1 && c.pads[d][0] >= 0 && c.pads[d][1] >= 0
	}
	return ok
}

// singleBlock is about the output positions computed at a time.
const singleBlock = 512

func (c *convolution) runSingleChannel(g *convGeometry, x, k, out []float32) {
	n := g.nsp
	P := make([]int, n)
	for d := range n {
		P[d] = g.inSp[d] + c.pads[d][0] + c.pads[d][1]
	}
	G := rowMajorStrides(P)
	grid := G[0] * P[0]
	xp := gemm.Scratch(g.batch * grid)
	defer gemm.Release(xp)
	workers := parallel.Workers()
	parallel.Chunks(g.batch, workers, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			embed((*xp)[b*grid:(b+1)*grid], x[b*g.bSt:(b+1)*g.bSt], g.inSp, P, G, c.pads, 1)
		}
	})
	toff := make([]int, g.kPos) // grid offset of each tap
	for t := range g.kPos {
		r := t
		for d := n - 1; d >= 0; d-- {
			toff[t] += r % g.kSp[d] * G[d]
			r /= g.kSp[d]
		}
	}
	w := g.outSp[n-1]              // output positions a row
	rows := g.batch * g.outPos / w // (b, o...) rows
	perImage := g.outPos / w
	rb := max(1, singleBlock/w)
	km, done := c.kernelMatrix(g, k, false)
	defer done()
	if c.useTaps(g) {
		c.runSingleTaps(g, *xp, km, out, toff, rows, G[0], grid)
		return
	}
	nb := (rows + rb - 1) / rb
	parallel.Chunks(nb, workers, func(lo, hi int) {
		p := gemm.Scratch(g.kPos * rb * w)
		defer gemm.Release(p)
		for blk := lo; blk < hi; blk++ {
			r0, r1 := blk*rb, min(rows, (blk+1)*rb)
			l := (r1 - r0) * w
			for r := r0; r < r1; r++ {
				b, rem, base := r/perImage, r%perImage, 0
				for d := n - 2; d >= 0; d-- {
					base += rem % g.outSp[d] * G[d]
					rem /= g.outSp[d]
				}
				base += b * grid
				for t, o := range toff {
					copy((*p)[t*l+(r-r0)*w:t*l+(r-r0+1)*w], (*xp)[base+o:base+o+w])
				}
			}
			a := gemm.Matrix{Data: (*p)[:g.kPos*l], Rows: l, Cols: g.kPos, Stride: l, Trans: true}
			gemm.Serial(out[r0*w*g.cout:r1*w*g.cout], g.cout, a, km, false)
		}
	})
}

// useTaps reports whether the one-channel convolutions (this forward one
// and runShifted's kernel gradient) run on gemm's tap products, which read
// the padded input in place: where their assembly runs, for whole panels of
// gemm.TapWidth output channels, on one or two spatial axes, unless the
// tests keep the convolution on the products of copied runs.
func (c *convolution) useTaps(g *convGeometry) bool {
	return gemm.Accelerated && g.cout%gemm.TapWidth == 0 && g.nsp <= 2 && c.taps >= 0
}

// runSingleTaps computes runSingleChannel's convolution a row of outputs
// and a panel of gemm.TapWidth channels at a time: output position p of a
// row reads its taps at xp[base + toff[t] + p], in the padded grid of
// grid values an image and rowSt a row.
func (c *convolution) runSingleTaps(g *convGeometry, xp []float32, km gemm.Matrix, out []float32, toff []int, rows, rowSt, grid int) {
	const tw = gemm.TapWidth
	panels := g.cout / tw
	kp := make([]float32, panels*g.kPos*tw) // [panel, tap, tw]
	for pn := range panels {
		for t := range g.kPos {
			copy(kp[(pn*g.kPos+t)*tw:(pn*g.kPos+t+1)*tw], km.Data[t*km.Stride+pn*tw:])
		}
	}
	n := g.nsp
	w := g.outSp[n-1]
	perImage := g.outPos / w
	parallel.Chunks(rows, parallel.Workers(), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			b, base := r/perImage, 0
			if n == 2 {
				base = r % perImage * rowSt
			}
			base += b * grid
			for pn := range panels {
				gemm.TapsForward(out[r*w*g.cout+pn*tw:], g.cout, w, xp[base:], toff, kp[pn*g.kPos*tw:(pn+1)*g.kPos*tw])
			}
		}
	})
}
