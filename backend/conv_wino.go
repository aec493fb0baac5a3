package backend

import (
	"sync"
	"sync/atomic"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// 3x3 convolutions by Winograd's F(m x m, 3x3): each m x m tile of
// outputs costs (m+2)^2 products a channel pair instead of 9 m^2. F(2x2,
// 3x3) (gemm.WinoInput) takes 16 a tile, F(4x4, 3x3) (gemm.Wino4Input) 36
// for four times the outputs; useWino4 chooses. Blocks of tiles, one
// block a core at a time, are transformed (reading the input in place
// where a tile lies inside the image; at the edges, a run of tiles reads
// copies of its rows with their padding), multiplied point by point by
// the transformed kernel (a gemm.MulTiles product a point), and
// transformed back into the output (a run of tiles that overhang its
// edge through a small buffer, copied out a row at a time). A block's
// transforms and products stay in the second-level cache. Copying rows
// rather than a tile's patch a column at a time took the step at batch
// 32 on one core (GOMAXPROCS=1) from 7.4-9.1 to 6.6-8.7 ms (six
// alternated pairs), with the same checkpoint bit for bit.

// winoForm is F(m x m, 3x3) for one m: its tile and transforms (gemm's).
type winoForm struct {
	m      int // outputs a tile side
	points int // transformed points a tile, (m+2)^2
	input  func(dst []float32, plane int, rows [][]float32, c, count int)
	output func(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int)
	kernel func(dst []float32, ds int, taps []float32, ts, n int)
}

var (
	winoF2 = winoForm{m: 2, points: gemm.WinoPoints,
		input: func(dst []float32, plane int, rows [][]float32, c, count int) {
			gemm.WinoInput(dst, plane, (*[4][]float32)(rows), c, count)
		},
		output: gemm.WinoOutputRow, kernel: gemm.WinoKernel}
	winoF4 = winoForm{m: 4, points: gemm.Wino4Points,
		input: func(dst []float32, plane int, rows [][]float32, c, count int) {
			gemm.Wino4Input(dst, plane, (*[6][]float32)(rows), c, count)
		},
		output: gemm.Wino4OutputRow, kernel: gemm.Wino4Kernel}
)

// winograd reports whether the convolution can run so: NHWC input and
// output (channels contiguous), a 3x3 kernel, unit strides and
// dilations, non-negative padding, channels in multiples of 8, on CPUs
// with the assembly transforms, unless the tests keep it off (wino -1) or
// force it on (1, which also runs the Go transforms of a purego build).
func (c *convolution) winograd(g *convGeometry) bool {
	a := c.axes
	ok := g.nsp == 2 && c.wino >= 0 && a.InputBatch == 0 && a.InputChannels == 3 && a.OutputBatch == 0 &&
		a.OutputChannels == 3 && g.cSt == 1 && g.cin%8 == 0 && g.cout%8 == 0
	for d := range 2 {
		ok = ok && a.InputSpatial[d] == d+1 && a.OutputSpatial[d] == d+1 && g.kSp[d] == 3 && g.strides[d] == 1 &&
			g.inDil[d] == 1 && g.kDil[d] == 1 && c.pads[d][0] >= 0 && c.pads[d][1] >= 0
	}
	return ok && (c.wino > 0 || gemm.Accelerated)
}

// winoKernel writes the transformed kernel G g G' into u [ic, point, oc]
// with rows of cop values (oc padded with zeros to a whole panel): point
// p's matrix [ic, oc] starts at p*cop with row stride points*cop. (Laid
// out [point, ic, oc], an input channel's 16 rows would lie a power of
// two apart and evict each other from the cache: 230 against 25 us for 32
// by 64 channels.) The taps are read from the kernel in its own layout
// (kv), an input channel's at a time: an input gradient's kernel, its
// channels swapped, is not first copied whole into a matrix on one core.
// Input channels are split among the cores when there are many values.
func winoKernel(f winoForm, u []float32, kv kernelView, cin, cout, cop int) {
	workers := parallel.Workers()
	if cin*cout < 1024 {
		workers = 1
	}
	P := f.points
	parallel.Range(cin, workers, func(lo, hi int) {
		taps := make([]float32, 9*cout) // an input channel's taps, copied together
		for ic := lo; ic < hi; ic++ {
			for t := range 9 {
				kv.row(taps[t*cout:(t+1)*cout], t, ic)
			}
			rows := u[ic*P*cop : (ic+1)*P*cop]
			f.kernel(rows, cop, taps, cout, cout)
			for p := range P {
				clear(rows[p*cop+cout : (p+1)*cop])
			}
		}
	})
}

// winoBlockValues is about the number of values a block's transforms and
// products hold (256 KiB).
const winoBlockValues = 1 << 16

func (c *convolution) runWinograd(g *convGeometry, x, k, out []float32) {
	f := winoF2
	if c.useWino4(g) {
		f = winoF4
	}
	P, m := f.points, f.m
	C, CO := g.cin, g.cout
	cop := (CO + gemm.TapWidth - 1) / gemm.TapWidth * gemm.TapWidth
	u := gemm.Scratch(P * C * cop)
	defer gemm.Release(u)
	winoKernel(f, *u, c.kernelView(g, k), C, CO, cop)
	OH, OW := g.outSp[0], g.outSp[1]
	wt := newWinoTiles(m, x, g.bSt, g.inSp[0], g.inSp[1], C, c.pads[0][0], c.pads[1][0], OH, OW)
	th, tw := wt.th, wt.tw
	T := max(gemm.TileRows, winoBlockValues/(P*(C+cop))/gemm.TileRows*gemm.TileRows)
	tiles := g.batch * th * tw
	blocks := (tiles + T - 1) / T
	// Each core claims the next block as it finishes one: a small batch
	// has a few dozen blocks, and parallel.Chunks's parts of two or three
	// blocks left a core idle for up to a part at the end.
	var next atomic.Int64
	parallel.Do(min(blocks, parallel.Workers()), func(int) {
		rows := make([][]float32, m+2)
		eb := edgePool.Get().(*edgeBufs)
		defer edgePool.Put(eb)
		pad, part := &eb.pad, &eb.part
		vb, mb := gemm.Scratch(P*T*C), gemm.Scratch(P*T*cop)
		defer gemm.Release(vb)
		defer gemm.Release(mb)
		for {
			blk := int(next.Add(1)) - 1
			if blk >= blocks {
				return
			}
			t0, t1 := blk*T, min(tiles, (blk+1)*T)
			wt.inputs(f, *vb, T, rows, pad, t0, t1)
			padded := (t1 - t0 + gemm.TileRows - 1) / gemm.TileRows * gemm.TileRows
			for p := range P {
				gemm.MulTiles((*mb)[p*T*cop:], cop, (*vb)[p*T*C:], C, padded, C, (*u)[p*cop:], P*cop, cop)
			}
			wt.outputs(f, out, *mb, T, cop, CO, part, t0, t1)
		}
	})
}

// winoTiles is the tiling of a convolution's input x [N, H, W, C] (image
// stride bSt), padded by (py, px) before, into the (m+2) x (m+2) patches
// of m x m output tiles covering OH x OW, th x tw tiles an image.
type winoTiles struct {
	x                            []float32
	m                            int
	bSt, H, W, C, py, px, OH, OW int
	th, tw                       int
	zeros                        []float32 // a row of padding
}

func newWinoTiles(m int, x []float32, bSt, H, W, C, py, px, OH, OW int) *winoTiles {
	th, tw := (OH+m-1)/m, (OW+m-1)/m
	return &winoTiles{x: x, m: m, bSt: bSt, H: H, W: W, C: C, py: py, px: px, OH: OH, OW: OW, th: th, tw: tw,
		zeros: make([]float32, (m*tw+2)*C)}
}

// inputs writes the input transforms of tiles [t0, t1) (in (image, tile
// row, tile column) order) into vb: tile t's point p at
// vb[p*T*C + (t-t0)*C:][:C]. rows is scratch for m+2 slices, pad for
// the edge tiles' rows (grown as needed).
func (w *winoTiles) inputs(f winoForm, vb []float32, T int, rows [][]float32, pad *[]float32, t0, t1 int) {
	C, m, s := w.C, w.m, w.m+2
	for t := t0; t < t1; {
		n, rem := t/(w.th*w.tw), t%(w.th*w.tw)
		ty, tx := rem/w.tw, rem%w.tw
		cnt := min(t1-t, w.tw-tx)
		// Tiles whose m+2 columns lie inside the image read its rows in
		// place (rows in the padding read zeros); those before and after
		// them read rows copied with their padding.
		ta, tb := max(tx, (w.px+m-1)/m), tx
		if w.W+w.px >= s {
			tb = max(tb, min(tx+cnt, (w.W+w.px-s)/m+1))
		}
		if ta < tb {
			for r := range s {
				rows[r] = w.zeros
				if yy := m*ty - w.py + r; yy >= 0 && yy < w.H {
					rows[r] = w.x[n*w.bSt+(yy*w.W+m*ta-w.px)*C:]
				}
			}
			f.input(vb[(t+ta-tx-t0)*C:], T*C, rows, C, tb-ta)
		} else {
			ta, tb = tx+cnt, tx+cnt
		}
		for _, run := range [2][2]int{{tx, ta}, {tb, tx + cnt}} {
			if run[0] < run[1] {
				w.padRows(rows, pad, n, ty, run[0], run[1])
				f.input(vb[(t+run[0]-tx-t0)*C:], T*C, rows, C, run[1]-run[0])
			}
		}
		t += cnt
	}
}

// padRows points rows at copies in *pad (grown as needed) of the m+2
// input rows of tiles [i0, i1) of tile row ty of image n, with zeros
// where they read padding (rows wholly in the padding read w.zeros).
func (w *winoTiles) padRows(rows [][]float32, pad *[]float32, n, ty, i0, i1 int) {
	C, m := w.C, w.m
	width := m*(i1-i0) + 2 // columns
	buf := grow(pad, (m+2)*width*C)
	x0 := m*i0 - w.px // the first column's position in the image
	lo, hi := max(0, x0), min(w.W, x0+width)
	for r := range m + 2 {
		yy := m*ty - w.py + r
		if yy < 0 || yy >= w.H || lo >= hi {
			rows[r] = w.zeros
			continue
		}
		row := buf[r*width*C : (r+1)*width*C]
		clear(row[:(lo-x0)*C])
		copy(row[(lo-x0)*C:(hi-x0)*C], w.x[n*w.bSt+(yy*w.W+lo)*C:])
		clear(row[(hi-x0)*C:])
		rows[r] = row
	}
}

// outputs writes the output transforms of tiles [t0, t1), whose points
// are mb's (tile t's point p at mb[p*T*cop + (t-t0)*cop:][:CO]), into out
// [N, OH, OW, CO]: whole tiles in place, those that overhang the edge
// through *part (grown as needed).
func (w *winoTiles) outputs(f winoForm, out, mb []float32, T, cop, CO int, part *[]float32, t0, t1 int) {
	m, OH, OW := w.m, w.OH, w.OW
	for t := t0; t < t1; {
		n, rem := t/(w.th*w.tw), t%(w.th*w.tw)
		ty, tx := rem/w.tw, rem%w.tw
		cnt := min(t1-t, w.tw-tx)
		whole := 0 // tiles whose outputs are all inside
		if m*ty+m-1 < OH {
			whole = max(0, min(tx+cnt, OW/m)-tx)
		}
		o := ((n*OH+m*ty)*OW + m*tx) * CO
		f.output(out[o:], OW*CO, CO, mb[(t-t0)*cop:], T*cop, cop, CO, whole)
		if k := cnt - whole; k > 0 { // the edge's partial tiles, through part
			i0 := tx + whole
			buf := grow(part, m*m*k*CO)
			f.output(buf, m*k*CO, CO, mb[(t+whole-t0)*cop:], T*cop, cop, CO, k)
			cols := (min(OW, m*(i0+k)) - m*i0) * CO
			for y := range min(m, OH-m*ty) {
				o := ((n*OH+m*ty+y)*OW + m*i0) * CO
				copy(out[o:o+cols], buf[y*m*k*CO:])
			}
		}
		t += cnt
	}
}

// edgeBufs are a worker's buffers for edge tiles: their inputs with the
// padding, and outputs past the edge (grown as runs need them, kept
// between convolutions in edgePool).
type edgeBufs struct{ pad, part []float32 }

var edgePool = sync.Pool{New: func() any { return new(edgeBufs) }}

// grow returns (*buf)[:n], reallocating *buf first if it is shorter.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}
