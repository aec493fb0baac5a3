package backend

import (
	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// 3x3 convolutions by Winograd's F(2x2, 3x3) (see gemm.WinoInput): each
// 2x2 tile of outputs costs 16 products a channel pair instead of 36.
// Blocks of tiles, one block a core at a time, are transformed
// (gemm.WinoInput, reading the input in place where a tile lies inside
// the image and a copy with its padding at the edges), multiplied point
// by point by the transformed kernel (16 products gemm.MulTiles), and
// transformed back into the output (gemm.WinoOutputRow, gemm.WinoOutput
// for tiles that overhang an odd edge). A block's transforms and
// products stay in the second-level cache.

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
// p's matrix [ic, oc] starts at p*cop with row stride 16*cop. (Laid out
// [point, ic, oc], an input channel's 16 rows would lie a power of two
// apart and evict each other from the cache: 230 against 25 us for 32
// by 64 channels.) Input channels are split among the cores when there
// are many values.
func winoKernel(u []float32, km gemm.Matrix, cin, cout, cop int) {
	workers := parallel.Workers()
	if cin*cout < 1024 {
		workers = 1
	}
	parallel.Range(cin, workers, func(lo, hi int) {
		taps := make([]float32, 9*cout) // an input channel's taps, copied together
		for ic := lo; ic < hi; ic++ {
			for t := range 9 {
				o := (t*cin + ic) * km.Stride
				copy(taps[t*cout:(t+1)*cout], km.Data[o:o+cout])
			}
			rows := u[ic*gemm.WinoPoints*cop : (ic+1)*gemm.WinoPoints*cop]
			gemm.WinoKernel(rows, cop, taps, cout, cout)
			for p := range gemm.WinoPoints {
				clear(rows[p*cop+cout : (p+1)*cop])
			}
		}
	})
}

// winoBlockValues is about the number of values a block's transforms and
// products hold (256 KiB).
const winoBlockValues = 1 << 16

func (c *convolution) runWinograd(g *convGeometry, x, k, out []float32) {
	const P = gemm.WinoPoints
	C, CO := g.cin, g.cout
	cop := (CO + gemm.TapWidth - 1) / gemm.TapWidth * gemm.TapWidth
	km, done := c.kernelMatrix(g, k, false)
	u := gemm.Scratch(P * C * cop)
	defer gemm.Release(u)
	winoKernel(*u, km, C, CO, cop)
	done()
	OH, OW := g.outSp[0], g.outSp[1]
	wt := newWinoTiles(x, g.bSt, g.inSp[0], g.inSp[1], C, c.pads[0][0], c.pads[1][0], OH, OW)
	th, tw := wt.th, wt.tw
	T := max(gemm.TileRows, winoBlockValues/(P*(C+cop))/gemm.TileRows*gemm.TileRows)
	tiles := g.batch * th * tw
	blocks := (tiles + T - 1) / T
	parallel.Chunks(blocks, parallel.Workers(), func(b0, b1 int) {
		junk := make([]float32, CO)    // outputs past the edge of a partial tile
		patch := make([]float32, 16*C) // an edge tile's inputs, padding included
		vb, mb := gemm.Scratch(P*T*C), gemm.Scratch(P*T*cop)
		defer gemm.Release(vb)
		defer gemm.Release(mb)
		var y [4][]float32
		for blk := b0; blk < b1; blk++ {
			t0, t1 := blk*T, min(tiles, (blk+1)*T)
			wt.inputs(*vb, T, patch, t0, t1)
			rows := (t1 - t0 + gemm.TileRows - 1) / gemm.TileRows * gemm.TileRows
			for p := range P {
				gemm.MulTiles((*mb)[p*T*cop:], cop, (*vb)[p*T*C:], C, rows, C, (*u)[p*cop:], P*cop, cop)
			}
			for t := t0; t < t1; {
				n, rem := t/(th*tw), t%(th*tw)
				ty, tx := rem/tw, rem%tw
				cnt := min(t1-t, tw-tx)
				whole := cnt // tiles whose four outputs are all inside
				if 2*ty+1 >= OH {
					whole = 0
				} else if tx+cnt == tw && OW%2 == 1 {
					whole--
				}
				o := ((n*OH+2*ty)*OW + 2*tx) * CO
				gemm.WinoOutputRow(out[o:], OW*CO, CO, (*mb)[(t-t0)*cop:], T*cop, cop, CO, whole)
				for i := t + whole; i < t+cnt; i++ { // the edge's partial tiles
					oy, ox := 2*ty, 2*(tx+i-t)
					for q := range 4 {
						yy, xx := oy+q/2, ox+q%2
						if yy < OH && xx < OW {
							o := ((n*OH+yy)*OW + xx) * CO
							y[q] = out[o : o+CO]
						} else {
							y[q] = junk
						}
					}
					gemm.WinoOutput(&y, (*mb)[(i-t0)*cop:], T*cop, CO)
				}
				t += cnt
			}
		}
	})
}

// winoTiles is the tiling of a convolution's input x [N, H, W, C] (image
// stride bSt), padded by (py, px) before, into the 4x4 patches of 2x2
// output tiles covering OH x OW, th x tw tiles an image.
type winoTiles struct {
	x                            []float32
	bSt, H, W, C, py, px, OH, OW int
	th, tw                       int
	zeros                        []float32 // a row of padding
}

func newWinoTiles(x []float32, bSt, H, W, C, py, px, OH, OW int) *winoTiles {
	th, tw := (OH+1)/2, (OW+1)/2
	return &winoTiles{x: x, bSt: bSt, H: H, W: W, C: C, py: py, px: px, OH: OH, OW: OW, th: th, tw: tw,
		zeros: make([]float32, (2*tw+2)*C)}
}

// inputs writes the input transforms of tiles [t0, t1) (in (image, tile
// row, tile column) order) into vb: tile t's point p at
// vb[p*T*C + (t-t0)*C:][:C]. patch is scratch for 16*C values.
func (w *winoTiles) inputs(vb []float32, T int, patch []float32, t0, t1 int) {
	C := w.C
	var rows [4][]float32
	for t := t0; t < t1; {
		n, rem := t/(w.th*w.tw), t%(w.th*w.tw)
		ty, tx := rem/w.tw, rem%w.tw
		cnt := min(t1-t, w.tw-tx)
		// Tiles whose four columns lie inside the image read its rows in
		// place (rows in the padding read zeros); the others are copied
		// into a patch with their padding.
		ta, tb := max(tx, (w.px+1)/2), tx
		if w.W+w.px >= 4 {
			tb = max(tb, min(tx+cnt, (w.W+w.px-4)/2+1))
		}
		if ta < tb {
			for r := range 4 {
				rows[r] = w.zeros
				if yy := 2*ty - w.py + r; yy >= 0 && yy < w.H {
					rows[r] = w.x[n*w.bSt+(yy*w.W+2*ta-w.px)*C:]
				}
			}
			gemm.WinoInput(vb[(t+ta-tx-t0)*C:], T*C, &rows, C, tb-ta)
		}
		for i := tx; i < tx+cnt; i++ {
			if i >= ta && i < tb {
				continue
			}
			for r := range 4 {
				row := patch[r*4*C : (r+1)*4*C]
				rows[r] = row
				yy := 2*ty - w.py + r
				for q := range 4 {
					xx := 2*i - w.px + q
					if yy >= 0 && yy < w.H && xx >= 0 && xx < w.W {
						copy(row[q*C:(q+1)*C], w.x[n*w.bSt+(yy*w.W+xx)*C:])
					} else {
						clear(row[q*C : (q+1)*C])
					}
				}
			}
			gemm.WinoInput(vb[(t+i-tx-t0)*C:], T*C, &rows, C, 1)
		}
		t += cnt
	}
}
