package backend

import (
	"runtime"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hourglass-ml/hourglass/internal/gemm"
)

// convolution is a float32 ConvGeneral (one channel group, one batch group,
// any axes layout, strides, paddings and dilations) run as one gather of
// the input's patches (im2col) and one matrix product. GoMLX builds the
// gradients of a convolution from convolutions with swapped axes (the
// kernel's gradient treats the batch as channels), so this also runs them.
//
//	out[b, oc, o...] = sum over ic, k... of in[b, ic, p...] * kernel[ic, oc, k...]
//	q = o*stride + k*kernelDilation - padLow, p = q/inputDilation
//
// where q must fall on the dilated input grid (q % inputDilation == 0 and
// 0 <= p < size); elsewhere the term is zero (padding).
type convolution struct {
	in, kernel, out int // value ids
	inShape         shapes.Shape
	kShape          shapes.Shape
	outShape        shapes.Shape
	axes            backends.ConvolveAxesConfig
	strides         []int
	pads            [][2]int
	inDil, kDil     []int

	once sync.Once
	geo  convGeometry
}

func rowMajorStrides(dims []int) []int {
	st := make([]int, len(dims))
	s := 1
	for i := len(dims) - 1; i >= 0; i-- {
		st[i] = s
		s *= dims[i]
	}
	return st
}

// convGeometry holds what the gather and the product need.
type convGeometry struct {
	nsp                  int
	batch, cin, cout     int
	inSp, kSp, outSp     []int
	inSt                 []int // input strides of the spatial axes
	bSt, cSt             int   // input strides of batch and channel axes
	outPos, kPos         int   // number of output / kernel spatial positions
	kc                   int   // contraction: kPos * cin
	strides, kDil, inDil []int
	padLo                []int
	// off[opos*kPos+kidx]: the input offset (from the batch element's
	// start) that kernel position kidx reads for output position opos, or
	// -1 where it reads padding.
	off []int
}

func (c *convolution) geometry() convGeometry {
	a := c.axes
	nsp := len(a.InputSpatial)
	inDims, kDims, outDims := c.inShape.Dimensions, c.kShape.Dimensions, c.outShape.Dimensions
	inSt := rowMajorStrides(inDims)
	g := convGeometry{nsp: nsp, batch: inDims[a.InputBatch], cin: inDims[a.InputChannels],
		cout: kDims[a.KernelOutputChannels], bSt: inSt[a.InputBatch], cSt: inSt[a.InputChannels],
		strides: c.strides, kDil: c.kDil, inDil: c.inDil, outPos: 1, kPos: 1}
	for d := range nsp {
		g.inSp = append(g.inSp, inDims[a.InputSpatial[d]])
		g.inSt = append(g.inSt, inSt[a.InputSpatial[d]])
		g.kSp = append(g.kSp, kDims[a.KernelSpatial[d]])
		g.outSp = append(g.outSp, outDims[a.OutputSpatial[d]])
		g.padLo = append(g.padLo, c.pads[d][0])
		g.outPos *= g.outSp[d]
		g.kPos *= g.kSp[d]
	}
	g.kc = g.kPos * g.cin
	g.off = make([]int, g.outPos*g.kPos)
	os, ks := make([]int, nsp), make([]int, nsp)
	for opos := range g.outPos {
		g.offsets(opos, g.off[opos*g.kPos:(opos+1)*g.kPos], os, ks)
	}
	return g
}

// offsets fills off[kidx] for output position opos (see convGeometry.off).
func (g *convGeometry) offsets(opos int, off []int, os, ks []int) {
	for d := g.nsp - 1; d >= 0; d-- {
		os[d] = opos % g.outSp[d]
		opos /= g.outSp[d]
	}
	for kidx := range g.kPos {
		r := kidx
		for d := g.nsp - 1; d >= 0; d-- {
			ks[d] = r % g.kSp[d]
			r /= g.kSp[d]
		}
		o := 0
		for d := range g.nsp {
			q := os[d]*g.strides[d] + ks[d]*g.kDil[d] - g.padLo[d]
			if q < 0 || q%g.inDil[d] != 0 || q/g.inDil[d] >= g.inSp[d] {
				o = -1
				break
			}
			o += q / g.inDil[d] * g.inSt[d]
		}
		off[kidx] = o
	}
}

var scratch sync.Pool

func getScratch(n int) *[]float32 {
	if p, ok := scratch.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

// run computes the convolution of x with k into out (all row-major in
// their shapes' layouts).
func (c *convolution) run(x, k, out []float32) {
	c.once.Do(func() { c.geo = c.geometry() })
	g := c.geo
	m := g.batch * g.outPos
	// Rows of the product are (b, o...) when the output is laid out
	// [b, o..., oc], or (o..., b) when it is [o..., b, oc]; anything else
	// is computed in the first order and scattered.
	a := c.axes
	bFirst, bLast := a.OutputBatch == 0 && a.OutputChannels == g.nsp+1, a.OutputBatch == g.nsp && a.OutputChannels == g.nsp+1
	for d := range g.nsp {
		bFirst = bFirst && a.OutputSpatial[d] == d+1
		bLast = bLast && a.OutputSpatial[d] == d
	}
	patches := getScratch(m * g.kc)
	defer scratch.Put(patches)
	var pm gemm.Matrix
	if g.cSt != 1 && g.bSt == 1 && bLast {
		// Batch contiguous (a kernel gradient in NHWC): build the patches
		// transposed, [(k..., ic), (o..., b)], copying runs along b.
		c.gatherBatchInner(&g, x, *patches)
		pm = gemm.Matrix{Data: *patches, Rows: m, Cols: g.kc, Stride: m, Trans: true}
	} else {
		c.gatherChannelsInner(&g, x, *patches)
		pm = gemm.Matrix{Data: *patches, Rows: m, Cols: g.kc, Stride: g.kc}
		bLast = false
	}
	km := c.kernelMatrix(&g, k)
	if bFirst || bLast {
		gemm.Mul(out, g.cout, pm, km)
		return
	}
	tmp := getScratch(m * g.cout)
	defer scratch.Put(tmp)
	gemm.Mul(*tmp, g.cout, pm, km)
	c.scatter(&g, *tmp, out)
}

// gatherChannelsInner fills p [(b, o...), (k..., ic)] row by row, copying
// runs along ic when channels are contiguous in the input.
func (c *convolution) gatherChannelsInner(g *convGeometry, x, p []float32) {
	rows := g.batch * g.outPos
	parallelRows(rows, func(r0, r1 int) {
		for row := r0; row < r1; row++ {
			b, opos := row/g.outPos, row%g.outPos
			base := b * g.bSt
			dst := p[row*g.kc : (row+1)*g.kc]
			for kidx, o := range g.off[opos*g.kPos : (opos+1)*g.kPos] {
				seg := dst[kidx*g.cin : (kidx+1)*g.cin]
				switch {
				case o < 0:
					clear(seg)
				case g.cin == 1:
					seg[0] = x[base+o]
				case g.cSt == 1 && g.cin >= 8:
					copy(seg, x[base+o:base+o+g.cin])
				default:
					for ic := range seg {
						seg[ic] = x[base+o+ic*g.cSt]
					}
				}
			}
		}
	})
}

// gatherBatchInner fills p [(k..., ic), (o..., b)] (b contiguous in the
// input), copying runs along b.
func (c *convolution) gatherBatchInner(g *convGeometry, x, p []float32) {
	m := g.batch * g.outPos
	parallelRows(g.outPos, func(o0, o1 int) {
		for opos := o0; opos < o1; opos++ {
			for kidx, o := range g.off[opos*g.kPos : (opos+1)*g.kPos] {
				for ic := range g.cin {
					dst := p[(kidx*g.cin+ic)*m+opos*g.batch : (kidx*g.cin+ic)*m+(opos+1)*g.batch]
					if o < 0 {
						clear(dst)
					} else {
						src := o + ic*g.cSt
						copy(dst, x[src:src+g.batch])
					}
				}
			}
		}
	})
}

// kernelMatrix returns the kernel as a [(k..., ic), oc] matrix: the kernel
// itself when stored so, else a copy.
func (c *convolution) kernelMatrix(g *convGeometry, k []float32) gemm.Matrix {
	a := c.axes
	inOrder := a.KernelInputChannels == g.nsp && a.KernelOutputChannels == g.nsp+1
	for d := range g.nsp {
		inOrder = inOrder && a.KernelSpatial[d] == d
	}
	if inOrder {
		return gemm.Matrix{Data: k, Rows: g.kc, Cols: g.cout, Stride: g.cout}
	}
	st := rowMajorStrides(c.kShape.Dimensions)
	km := make([]float32, g.kc*g.cout)
	ks := make([]int, g.nsp)
	for kidx := range g.kPos {
		r, base := kidx, 0
		for d := g.nsp - 1; d >= 0; d-- {
			ks[d] = r % g.kSp[d]
			r /= g.kSp[d]
			base += ks[d] * st[a.KernelSpatial[d]]
		}
		for ic := range g.cin {
			row := km[(kidx*g.cin+ic)*g.cout : (kidx*g.cin+ic+1)*g.cout]
			src := base + ic*st[a.KernelInputChannels]
			ocSt := st[a.KernelOutputChannels]
			if ocSt == 1 {
				copy(row, k[src:src+g.cout])
				continue
			}
			for oc := range row {
				row[oc] = k[src+oc*ocSt]
			}
		}
	}
	return gemm.Matrix{Data: km, Rows: g.kc, Cols: g.cout, Stride: g.cout}
}

// scatter writes tmp [(b, o...), oc] into out's own layout.
func (c *convolution) scatter(g *convGeometry, tmp, out []float32) {
	a := c.axes
	st := rowMajorStrides(c.outShape.Dimensions)
	os := make([]int, g.nsp)
	for row := range g.batch * g.outPos {
		b, opos := row/g.outPos, row%g.outPos
		base := b * st[a.OutputBatch]
		for d := g.nsp - 1; d >= 0; d-- {
			os[d] = opos % g.outSp[d]
			opos /= g.outSp[d]
			base += os[d] * st[a.OutputSpatial[d]]
		}
		for oc, v := range tmp[row*g.cout : (row+1)*g.cout] {
			out[base+oc*st[a.OutputChannels]] = v
		}
	}
}

// parallelRows splits [0, n) over the cores when n is large enough.
func parallelRows(n int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/8)
	if workers < 2 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(n*w/workers, n*(w+1)/workers)
		}()
	}
	f(0, n/workers)
	wg.Wait()
}
