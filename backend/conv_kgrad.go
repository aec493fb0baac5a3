package backend

import (
	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// A multi-channel kernel gradient read in place. GoMLX computes the
// gradient of a 2-D NHWC convolution's kernel as a convolution of the
// input x [N, H, W, C] (N as channels, C as batch) with the output
// gradient dy [N, H', W', CO] as kernel, giving [T0, T1, C, CO]:
//
//	out[o, c, co] = sum over n, y of x[n, o*s + y*kd - pad, c] * dy[n, y, co]
//
// For one tap o and one image n, the positions y whose input lies inside
// the image form a rectangle, and along it both x's channels and dy's
// are contiguous vectors at fixed strides: a tile of gemm.TileRows input
// channels by gemm.TapWidth output channels is one gemm.AccumulateTile,
// with nothing gathered or packed (runBatchInner copies the transposed
// patches first). Tiles that would run past the last channel start
// earlier instead and overlap the one before; they compute the same sums.

// kernelGradTiles reports whether the convolution is such a kernel
// gradient and the tiles fit: two spatial axes, no input dilation, at
// least gemm.TileRows input and gemm.TapWidth output channels, on CPUs
// whose kernel is the AVX2 one (as useIndirect), unless the tests keep it
// on runBatchInner. By default only up to kgradMaxOut output channels:
// runBatchInner's gather costs about the same whatever their number, its
// product grows with it, and at 64 (the model's third layer) its product
// of whole tiles beat the tiles' overlap and calls (2.1-2.6 against
// 2.8-3.0 ms a step at batch 128, profiled), where at 32 the tiles won
// (2.4 against 2.5-3.0 ms).
func (c *convolution) kernelGradTiles(g *convGeometry) bool {
	a := c.axes
	ok := g.nsp == 2 && a.InputChannels == 0 && a.InputBatch == 3 && a.KernelInputChannels == 0 &&
		a.KernelOutputChannels == 3 && a.OutputBatch == 2 && a.OutputChannels == 3
	for d := range 2 {
		ok = ok && a.InputSpatial[d] == d+1 && a.KernelSpatial[d] == d+1 && a.OutputSpatial[d] == d && g.inDil[d] == 1
	}
	return ok && g.batch >= gemm.TileRows && g.cout >= gemm.TapWidth && c.kgrad >= 0 &&
		(c.kgrad > 0 || (gemm.Accelerated && !gemm.AVX512 && g.cout <= kgradMaxOut))
}

// kgradMaxOut is the most output channels the tiles take by default.
const kgradMaxOut = 32

// kgradPositions is about the number of positions a tile sums at a call.
const kgradPositions = 160

// tileStarts lists the first channels of the tiles of width w covering n
// channels (n >= w), the last one ending at n.
func tileStarts(n, w int) []int {
	var s []int
	for c := 0; c < n; c += w {
		s = append(s, min(c, n-w))
	}
	return s
}

// validRange is the range [lo, hi) of positions y < n whose input
// position base + y*step lies in [0, size).
func validRange(n, base, step, size int) (lo, hi int) {
	lo, hi = n, n
	for y := range n {
		if p := base + y*step; p >= 0 && p < size {
			if lo == n {
				lo = y
			}
			hi = y + 1
		}
	}
	if lo == n {
		return 0, 0
	}
	return lo, hi
}

// runKernelGradTiles computes the kernel gradient above: the images are
// split among the cores, each summing into its own tiles; the tiles are
// added and written out at the end.
func (c *convolution) runKernelGradTiles(g *convGeometry, x, dy, out []float32) {
	const tr, tw, ts = gemm.TileRows, gemm.TapWidth, gemm.TileSize
	C, CO := g.batch, g.cout
	ci, co := tileStarts(C, tr), tileStarts(CO, tw)
	taps := g.outPos
	type rect struct{ y0, y1, x0, x1, xoff int }
	rs := make([]rect, taps)
	for t := range taps {
		o0, o1 := t/g.outSp[1], t%g.outSp[1]
		b0, b1 := o0*g.strides[0]-g.padLo[0], o1*g.strides[1]-g.padLo[1]
		y0, y1 := validRange(g.kSp[0], b0, g.kDil[0], g.inSp[0])
		x0, x1 := validRange(g.kSp[1], b1, g.kDil[1], g.inSp[1])
		rs[t] = rect{y0, y1, x0, x1, (b0+y0*g.kDil[0])*g.inSt[0] + (b1+x0*g.kDil[1])*g.inSt[1]}
	}
	ars, ks := g.kDil[0]*g.inSt[0], g.kDil[1]*g.inSt[1]
	brs, perImage := g.kSp[1]*CO, g.kSp[0]*g.kSp[1]*CO
	nt := taps * len(ci) * len(co)
	// Images a call: enough positions that loading and storing the tile
	// is a small part of a call.
	ib := max(1, kgradPositions/(g.kSp[0]*g.kSp[1]))
	workers := max(1, min(parallel.Workers(), g.cin))
	sum := make([]float32, nt*ts)
	partial := make([]*[]float32, workers)
	parallel.Do(workers, func(w int) {
		buf := sum
		if w > 0 {
			partial[w] = gemm.Scratch(nt * ts)
			buf = *partial[w]
			clear(buf)
		}
		n0, n1 := g.cin*w/workers, g.cin*(w+1)/workers
		for nb := n0; nb < n1; nb += ib {
			imgs := min(ib, n1-nb)
			xn, dn := x[nb*g.cSt:(nb+imgs)*g.cSt], dy[nb*perImage:(nb+imgs)*perImage]
			// Panel, tile, then tap: one tile's channels of the images and
			// one panel's of dy stay in the first-level cache over the taps.
			for j, c1 := range co {
				for i, c0 := range ci {
					for t, r := range rs {
						if r.y1 == r.y0 || r.x1 == r.x0 {
							continue
						}
						bo := (r.y0*g.kSp[1] + r.x0) * CO
						tile := (*[ts]float32)(buf[((t*len(ci)+i)*len(co)+j)*ts:])
						gemm.AccumulateTile(tile, xn[r.xoff+c0:], ars, ks, r.y1-r.y0, r.x1-r.x0, dn[bo+c1:], brs, CO, imgs, g.cSt, perImage)
					}
				}
			}
		}
	})
	addPartials(sum, partial[1:])
	for t := range taps {
		for i, c0 := range ci {
			for j, c1 := range co {
				tile := sum[((t*len(ci)+i)*len(co)+j)*ts:]
				for r := range tr {
					copy(out[(t*C+c0+r)*CO+c1:(t*C+c0+r)*CO+c1+tw], tile[r*tw:(r+1)*tw])
				}
			}
		}
	}
}
