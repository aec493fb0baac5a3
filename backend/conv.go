package backend

import (
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
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

	// noShift keeps one-channel convolutions and kernel gradients on the
	// im2col path (tests, benchmarks).
	noShift bool
	// indirect: -1 keeps runRows' convolutions on the gathered patches, 1
	// puts them on the indirect products wherever their layout allows, 0
	// (the default) where the CPU's kernel is AVX2 (see useIndirect).
	indirect int
	// taps: -1 keeps one-channel convolutions and kernel gradients off
	// gemm's tap products (tests, benchmarks); see useTaps.
	taps int
	// kgrad: -1 keeps kernel gradients on runBatchInner, 1 puts them on
	// runKernelGradTiles wherever their layout allows, 0 (the default)
	// where the CPU's kernel is AVX2 (see kernelGradTiles).
	kgrad int
	// wino: -1 keeps 3x3 convolutions off Winograd's transforms, 1 puts
	// them there wherever their layout allows (see winograd).
	wino int
	// wino4: -1 keeps Winograd's convolutions on F(2x2, 3x3), 1 puts them
	// on F(4x4, 3x3), 0 (the default) chooses by the outputs (see
	// useWino4).
	wino4 int

	runsOnce    sync.Once
	runs        [][]gatherRun // runBatchInner's gather, per kernel position
	rowRunsOnce sync.Once
	rruns       [][]gatherRun // gatherRows', per output position

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

// run computes the convolution of x with k into out (all row-major in
// their shapes' layouts). The patch matrix is never built whole: each core
// gathers a block of it that stays in cache and multiplies it at once.
func (c *convolution) run(x, k, out []float32) {
	c.once.Do(func() { c.geo = c.geometry() })
	g := &c.geo
	// Rows of the product are (b, o...) when the output is laid out
	// [b, o..., oc], or (o..., b) when it is [o..., b, oc]; anything else
	// is computed in the first order and scattered.
	a := c.axes
	bFirst, bLast := a.OutputBatch == 0 && a.OutputChannels == g.nsp+1, a.OutputBatch == g.nsp && a.OutputChannels == g.nsp+1
	for d := range g.nsp {
		bFirst = bFirst && a.OutputSpatial[d] == d+1
		bLast = bLast && a.OutputSpatial[d] == d
	}
	if c.singleChannel(g) && !c.noShift {
		c.runSingleChannel(g, x, k, out)
		return
	}
	if c.shiftable(g) && !c.noShift {
		c.runShifted(g, x, k, out)
		return
	}
	if c.kernelGradTiles(g) {
		c.runKernelGradTiles(g, x, k, out)
		return
	}
	if g.cSt != 1 && g.bSt == 1 && bLast {
		c.runBatchInner(g, x, k, out)
		return
	}
	if c.winograd(g) {
		c.runWinograd(g, x, k, out)
		return
	}
	if bFirst && c.useIndirect(g) {
		c.runIndirect(g, x, k, out)
		return
	}
	if bFirst {
		c.runRows(g, x, k, out)
		return
	}
	tmp := gemm.Scratch(g.batch * g.outPos * g.cout)
	defer gemm.Release(tmp)
	c.runRows(g, x, k, *tmp)
	c.scatter(g, *tmp, out)
}

// runRows computes dst [(b, o...), oc]: blocks of patch rows
// [(b, o...), (k..., ic)] gathered and multiplied by the kernel matrix,
// blocks split across the cores.
func (c *convolution) runRows(g *convGeometry, x, k, dst []float32) {
	// The kernel matrix is packed once for all blocks (gemm.Serial would
	// pack it again for every block).
	kmat, done := c.kernelMatrix(g, k, false)
	km := gemm.PackScratch(kmat)
	done()
	defer km.Release()
	m := g.batch * g.outPos
	rb := max(6, 32768/g.kc/6*6) // ~128 KiB of patches a block
	workers := parallel.Workers()
	rb = max(6, min(rb, (m+4*workers-1)/(4*workers)/6*6+6))
	nb := (m + rb - 1) / rb
	parallel.Chunks(nb, workers, func(b0, b1 int) {
		buf := gemm.Scratch(rb * g.kc)
		defer gemm.Release(buf)
		for blk := b0; blk < b1; blk++ {
			r0, r1 := blk*rb, min(m, (blk+1)*rb)
			p := (*buf)[:(r1-r0)*g.kc]
			c.gatherRows(g, x, p, r0, r1)
			gemm.MulPacked(dst[r0*g.cout:r1*g.cout], g.cout, gemm.Matrix{Data: p, Rows: r1 - r0, Cols: g.kc, Stride: g.kc}, km, 0, g.cout)
		}
	})
}

// useIndirect reports whether runIndirect computes what runRows would:
// channels contiguous and at least 8 of them (shorter segments pay more in
// pointers than they save in copies), on CPUs whose micro-kernel is the
// AVX2 one (the indirect kernel is AVX2; AVX-512 CPUs keep the gathered
// patches and their wider kernel).
func (c *convolution) useIndirect(g *convGeometry) bool {
	if g.cSt != 1 || g.cin < 8 || c.indirect < 0 {
		return false
	}
	return c.indirect > 0 || (gemm.Accelerated && !gemm.AVX512)
}

// runIndirect computes dst [(b, o...), oc] as runRows does, without
// gathering patches: each tile of gemm.TileRows patch rows is a table of
// pointers, per kernel position and row, to the input pixel's channels
// (or to zeros, in the padding), which the indirect micro-kernel reads in
// place.
func (c *convolution) runIndirect(g *convGeometry, x, k, dst []float32) {
	kmat, done := c.kernelMatrix(g, k, false)
	kb := gemm.PackIndirect(kmat)
	done()
	defer kb.Release()
	m := g.batch * g.outPos
	const tr = gemm.TileRows
	tiles := (m + tr - 1) / tr
	zeros := make([]float32, g.cin)
	parallel.Chunks(tiles, parallel.Workers(), func(t0, t1 int) {
		ptrs := make([]*float32, g.kPos*tr)
		for tile := t0; tile < t1; tile++ {
			r0 := tile * tr
			rows := min(tr, m-r0)
			for r := range tr {
				if r >= rows {
					for t := range g.kPos {
						ptrs[t*tr+r] = &zeros[0]
					}
					continue
				}
				b, opos := (r0+r)/g.outPos, (r0+r)%g.outPos
				base := b * g.bSt
				for t, o := range g.off[opos*g.kPos : (opos+1)*g.kPos] {
					if o < 0 {
						ptrs[t*tr+r] = &zeros[0]
					} else {
						ptrs[t*tr+r] = &x[base+o]
					}
				}
			}
			gemm.MulIndirect(dst[r0*g.cout:], g.cout, rows, ptrs, g.kPos, g.cin, kb)
		}
	})
}

// gatherRows fills p with patch rows [r0, r1): row (b, o...), column
// kidx*cin + ic.
func (c *convolution) gatherRows(g *convGeometry, x, p []float32, r0, r1 int) {
	if g.cSt == 1 && g.cin >= 8 {
		// Channels contiguous: neighbouring taps inside the image are one
		// copy (see rowRuns).
		runs := c.rowRuns(g)
		for row := r0; row < r1; row++ {
			b, opos := row/g.outPos, row%g.outPos
			base := b * g.bSt
			dst := p[(row-r0)*g.kc : (row-r0+1)*g.kc]
			for _, r := range runs[opos] {
				if r.src < 0 {
					clear(dst[r.dst : r.dst+r.n])
					continue
				}
				copy(dst[r.dst:r.dst+r.n], x[base+r.src:base+r.src+r.n])
			}
		}
		return
	}
	for row := r0; row < r1; row++ {
		b, opos := row/g.outPos, row%g.outPos
		base := b * g.bSt
		dst := p[(row-r0)*g.kc : (row-r0+1)*g.kc]
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
}

// runBatchInner computes out [(o..., b), oc] when the batch axis is the
// contiguous one (GoMLX's kernel gradient of an NHWC convolution): a small
// result over a long contraction. The contraction is cut in blocks of
// transposed patches [(ic, k...) or (k..., ic), (o..., b)], copied in runs
// along b; each core sums its blocks' products, then the partial sums are
// added.
func (c *convolution) runBatchInner(g *convGeometry, x, k, out []float32) {
	a := c.axes
	icFirst := a.KernelInputChannels == 0 && a.KernelOutputChannels == g.nsp+1
	for d := range g.nsp {
		icFirst = icFirst && a.KernelSpatial[d] == d+1
	}
	km, done := c.kernelMatrix(g, k, icFirst)
	defer done()
	m := g.outPos * g.batch
	runs := c.batchRuns(g)
	// Blocks of at most maxKB contraction rows, as many for each core: with
	// a whole block more on one core, the other would wait up to a block.
	const maxKB = 256
	workers := max(1, min(parallel.Workers(), (g.kc+maxKB-1)/maxKB))
	per := (g.kc + workers*maxKB - 1) / (workers * maxKB)
	kb := (g.kc + workers*per - 1) / (workers * per)
	nb := (g.kc + kb - 1) / kb
	partial := make([]*[]float32, workers)
	parallel.Do(workers, func(w int) {
		dst := out
		if w > 0 { // overwritten whole by its first block (or cleared)
			partial[w] = gemm.Scratch(m * g.cout)
			dst = *partial[w]
		}
		buf := gemm.Scratch(kb * m)
		defer gemm.Release(buf)
		b0, b1 := nb*w/workers, nb*(w+1)/workers
		if b0 == b1 {
			clear(dst)
		}
		for blk := b0; blk < b1; blk++ {
			k0, k1 := blk*kb, min(g.kc, (blk+1)*kb)
			p := (*buf)[:(k1-k0)*m]
			for kr := k0; kr < k1; kr++ {
				ic, kidx := kr%g.cin, kr/g.cin
				if icFirst {
					ic, kidx = kr/g.kPos, kr%g.kPos
				}
				row := p[(kr-k0)*m : (kr-k0+1)*m]
				src := ic * g.cSt
				for _, r := range runs[kidx] {
					seg := row[r.dst : r.dst+r.n]
					switch {
					case r.src < 0:
						clear(seg)
					case r.n == 1:
						seg[0] = x[src+r.src]
					default:
						copy(seg, x[src+r.src:src+r.src+r.n])
					}
				}
			}
			kmb := gemm.Matrix{Data: km.Data[k0*g.cout : k1*g.cout], Rows: k1 - k0, Cols: g.cout, Stride: g.cout}
			gemm.Serial(dst, g.cout, gemm.Matrix{Data: p, Rows: m, Cols: k1 - k0, Stride: m, Trans: true}, kmb, blk > b0)
		}
	})
	addPartials(out, partial[1:])
}

// gatherRun is a run of a transposed patch row: n values at dst, copied
// from the input at offset src, or zeros where src is -1.
type gatherRun struct{ dst, src, n int }

// addRun appends n values from the input at src (zeros when src < 0) to
// a patch row's runs, extending the last run when the values continue it
// (the next channel or batch vector in the input, or more padding).
func addRun(rs []gatherRun, dst, src, n int) []gatherRun {
	if k := len(rs); k > 0 {
		last := &rs[k-1]
		if (src < 0 && last.src < 0) || (src >= 0 && last.src >= 0 && src == last.src+last.n) {
			last.n += n
			return rs
		}
	}
	return append(rs, gatherRun{dst: dst, src: max(src, -1), n: n})
}

// batchRuns lists, per kernel position, the runs of runBatchInner's patch
// rows: neighbouring output positions whose batch vectors lie next to each
// other in the input (the taps along a row, inside the image) are one
// copy, and neighbouring padding one clear.
func (c *convolution) batchRuns(g *convGeometry) [][]gatherRun {
	c.runsOnce.Do(func() {
		c.runs = make([][]gatherRun, g.kPos)
		for kidx := range g.kPos {
			for opos := range g.outPos {
				c.runs[kidx] = addRun(c.runs[kidx], opos*g.batch, g.off[opos*g.kPos+kidx], g.batch)
			}
		}
	})
	return c.runs
}

// rowRuns lists, per output position, the runs of gatherRows' patch row
// when channels are contiguous: neighbouring taps whose channel vectors lie
// next to each other in the input (a kernel row inside the image) are one
// copy, neighbouring padding one clear.
func (c *convolution) rowRuns(g *convGeometry) [][]gatherRun {
	c.rowRunsOnce.Do(func() {
		c.rruns = make([][]gatherRun, g.outPos)
		for opos := range g.outPos {
			for kidx, o := range g.off[opos*g.kPos : (opos+1)*g.kPos] {
				c.rruns[opos] = addRun(c.rruns[opos], kidx*g.cin, o, g.cin)
			}
		}
	})
	return c.rruns
}

// kernelMatrix returns the kernel as a matrix [(k..., ic), oc], or
// [(ic, k...), oc] when icFirst: the kernel itself when stored so, else a
// copy in a scratch buffer, which done hands back.
func (c *convolution) kernelMatrix(g *convGeometry, k []float32, icFirst bool) (m gemm.Matrix, done func()) {
	a := c.axes
	inOrder := a.KernelOutputChannels == g.nsp+1
	if icFirst {
		inOrder = inOrder && a.KernelInputChannels == 0
		for d := range g.nsp {
			inOrder = inOrder && a.KernelSpatial[d] == d+1
		}
	} else {
		inOrder = inOrder && a.KernelInputChannels == g.nsp
		for d := range g.nsp {
			inOrder = inOrder && a.KernelSpatial[d] == d
		}
	}
	if inOrder {
		return gemm.Matrix{Data: k, Rows: g.kc, Cols: g.cout, Stride: g.cout}, func() {}
	}
	kv := c.kernelView(g, k)
	buf := gemm.Scratch(g.kc * g.cout)
	km := *buf
	for kidx := range g.kPos {
		for ic := range g.cin {
			ri := kidx*g.cin + ic
			if icFirst {
				ri = ic*g.kPos + kidx
			}
			kv.row(km[ri*g.cout:(ri+1)*g.cout], kidx, ic)
		}
	}
	return gemm.Matrix{Data: km, Rows: g.kc, Cols: g.cout, Stride: g.cout}, func() { gemm.Release(buf) }
}

// kernelView reads a convolution's kernel in its own layout: kernel
// position kidx, input channel ic and output channel oc at
// data[base[kidx] + ic*icSt + oc*ocSt].
type kernelView struct {
	data       []float32
	base       []int
	icSt, ocSt int
}

func (c *convolution) kernelView(g *convGeometry, k []float32) kernelView {
	a := c.axes
	st := rowMajorStrides(c.kShape.Dimensions)
	kv := kernelView{data: k, base: make([]int, g.kPos), icSt: st[a.KernelInputChannels], ocSt: st[a.KernelOutputChannels]}
	for kidx := range g.kPos {
		r := kidx
		for d := g.nsp - 1; d >= 0; d-- {
			kv.base[kidx] += r % g.kSp[d] * st[a.KernelSpatial[d]]
			r /= g.kSp[d]
		}
	}
	return kv
}

// row copies the output channels of kernel position kidx and input channel
// ic into dst.
func (kv kernelView) row(dst []float32, kidx, ic int) {
	src := kv.base[kidx] + ic*kv.icSt
	if kv.ocSt == 1 {
		copy(dst, kv.data[src:src+len(dst)])
		return
	}
	for oc := range dst {
		dst[oc] = kv.data[src+oc*kv.ocSt]
	}
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

// addPartials adds the cores' partial sums (nil where a core had none) to
// dst, in order, and hands them back to gemm's scratch.
func addPartials(dst []float32, partial []*[]float32) {
	for _, p := range partial {
		if p == nil {
			continue
		}
		for i, v := range *p {
			dst[i] += v
		}
		gemm.Release(p)
	}
}
