package backend

import (
	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// 3x3 convolutions by Winograd's F(4x4, 3x3) (gemm.Wino4Input): a 4x4
// tile of outputs from 36 products a channel pair, against F(2x2, 3x3)'s
// 64 for the same outputs. Tiles that overhang the output's edge waste
// their products either way: a 7x7 map takes 2x2 tiles of 4x4 (144
// points) or 4x4 of 2x2 (256), a 14x14 one 16 tiles of 4x4 (576) or 49 of
// 2x2 (784). The blocks of tiles, the products and the kernel's layout
// are runWinograd's; gemm.Wino4Input, Wino4OutputRow and Wino4Kernel
// have the transforms.

// useWino4 says whether a Winograd convolution runs on F(4x4, 3x3): where
// its tiles have at most 70% of F(2x2, 3x3)'s points, unless the tests
// say otherwise (wino4). Its transforms cost more a point (36 vectors
// through the stack, not 16 through registers), so fewer points must
// outweigh that. In the training step's profile (hourglass bench
// --profile), at 7x7 (56%) the model's layer 3 went from 1.78-2.00 to
// 1.16-1.19 ms at batch 128 (1.59-1.72 to 1.13-1.30 ms for its input
// gradient), while at 14x14 (73%) layer 2 moved within the noise (1.74
// to 1.64-1.71 ms at batch 128, 0.34-0.47 to 0.34-0.47 ms at 32), so it
// keeps F(2x2, 3x3). The four-block 64x64x3 model, whose 16x16, 8x8 and
// 4x4 maps take F(4x4, 3x3), went from 451-476 to 346-365 ms a step.
func (c *convolution) useWino4(g *convGeometry) bool {
	if c.wino4 != 0 {
		return c.wino4 > 0
	}
	oh, ow := g.outSp[0], g.outSp[1]
	return 10*36*((oh+3)/4)*((ow+3)/4) <= 7*16*((oh+1)/2)*((ow+1)/2)
}

// wino4Kernel is winoKernel for F(4x4, 3x3): u [ic, point, oc], rows of
// cop values, point p's matrix [ic, oc] at p*cop with row stride 36*cop.
func wino4Kernel(u []float32, km gemm.Matrix, cin, cout, cop int) {
	const P = gemm.Wino4Points
	workers := parallel.Workers()
	if cin*cout < 1024 {
		workers = 1
	}
	parallel.Range(cin, workers, func(lo, hi int) {
		taps := make([]float32, 9*cout)
		for ic := lo; ic < hi; ic++ {
			for t := range 9 {
				o := (t*cin + ic) * km.Stride
				copy(taps[t*cout:(t+1)*cout], km.Data[o:o+cout])
			}
			rows := u[ic*P*cop : (ic+1)*P*cop]
			gemm.Wino4Kernel(rows, cop, taps, cout, cout)
			for p := range P {
				clear(rows[p*cop+cout : (p+1)*cop])
			}
		}
	})
}

func (c *convolution) runWinograd4(g *convGeometry, x, k, out []float32) {
	const P = gemm.Wino4Points
	C, CO := g.cin, g.cout
	cop := (CO + gemm.TapWidth - 1) / gemm.TapWidth * gemm.TapWidth
	km, done := c.kernelMatrix(g, k, false)
	u := gemm.Scratch(P * C * cop)
	defer gemm.Release(u)
	wino4Kernel(*u, km, C, CO, cop)
	done()
	OH, OW := g.outSp[0], g.outSp[1]
	wt := newWino4Tiles(x, g.bSt, g.inSp[0], g.inSp[1], C, c.pads[0][0], c.pads[1][0], OH, OW)
	th, tw := wt.th, wt.tw
	T := max(gemm.TileRows, winoBlockValues/(P*(C+cop))/gemm.TileRows*gemm.TileRows)
	tiles := g.batch * th * tw
	blocks := (tiles + T - 1) / T
	parallel.Chunks(blocks, parallel.Workers(), func(b0, b1 int) {
		patch := make([]float32, 36*C) // an edge tile's inputs, padding included
		part := make([]float32, 16*CO) // an edge tile's outputs, those past the edge included
		vb, mb := gemm.Scratch(P*T*C), gemm.Scratch(P*T*cop)
		defer gemm.Release(vb)
		defer gemm.Release(mb)
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
				whole := 0 // tiles whose 16 outputs are all inside
				if 4*ty+3 < OH {
					whole = max(0, min(tx+cnt, OW/4)-tx)
				}
				o := ((n*OH+4*ty)*OW + 4*tx) * CO
				gemm.Wino4OutputRow(out[o:], OW*CO, CO, (*mb)[(t-t0)*cop:], T*cop, cop, CO, whole)
				for i := tx + whole; i < tx+cnt; i++ { // the edge's partial tiles
					gemm.Wino4OutputRow(part, 4*CO, CO, (*mb)[(t+i-tx-t0)*cop:], T*cop, cop, CO, 1)
					for y := range min(4, OH-4*ty) {
						for xx := range min(4, OW-4*i) {
							o := ((n*OH+4*ty+y)*OW + 4*i + xx) * CO
							copy(out[o:o+CO], part[(4*y+xx)*CO:])
						}
					}
				}
				t += cnt
			}
		}
	})
}

// wino4Tiles is the tiling of a convolution's input x [N, H, W, C] (image
// stride bSt), padded by (py, px) before, into the 6x6 patches of 4x4
// output tiles covering OH x OW, th x tw tiles an image.
type wino4Tiles struct {
	x                            []float32
	bSt, H, W, C, py, px, OH, OW int
	th, tw                       int
	zeros                        []float32 // a row of padding
}

func newWino4Tiles(x []float32, bSt, H, W, C, py, px, OH, OW int) *wino4Tiles {
	th, tw := (OH+3)/4, (OW+3)/4
	return &wino4Tiles{x: x, bSt: bSt, H: H, W: W, C: C, py: py, px: px, OH: OH, OW: OW, th: th, tw: tw,
		zeros: make([]float32, (4*tw+2)*C)}
}

// inputs writes the input transforms of tiles [t0, t1) (in (image, tile
// row, tile column) order) into vb: tile t's point p at
// vb[p*T*C + (t-t0)*C:][:C]. patch is scratch for 36*C values.
func (w *wino4Tiles) inputs(vb []float32, T int, patch []float32, t0, t1 int) {
	C := w.C
	var rows [6][]float32
	for t := t0; t < t1; {
		n, rem := t/(w.th*w.tw), t%(w.th*w.tw)
		ty, tx := rem/w.tw, rem%w.tw
		cnt := min(t1-t, w.tw-tx)
		// Tiles whose six columns lie inside the image read its rows in
		// place (rows in the padding read zeros); the others are copied
		// into a patch with their padding.
		ta, tb := max(tx, (w.px+3)/4), tx
		if w.W+w.px >= 6 {
			tb = max(tb, min(tx+cnt, (w.W+w.px-6)/4+1))
		}
		if ta < tb {
			for r := range 6 {
				rows[r] = w.zeros
				if yy := 4*ty - w.py + r; yy >= 0 && yy < w.H {
					rows[r] = w.x[n*w.bSt+(yy*w.W+4*ta-w.px)*C:]
				}
			}
			gemm.Wino4Input(vb[(t+ta-tx-t0)*C:], T*C, &rows, C, tb-ta)
		}
		for i := tx; i < tx+cnt; i++ {
			if i >= ta && i < tb {
				continue
			}
			for r := range 6 {
				row := patch[r*6*C : (r+1)*6*C]
				rows[r] = row
				yy := 4*ty - w.py + r
				for q := range 6 {
					xx := 4*i - w.px + q
					if yy >= 0 && yy < w.H && xx >= 0 && xx < w.W {
						copy(row[q*C:(q+1)*C], w.x[n*w.bSt+(yy*w.W+xx)*C:])
					} else {
						clear(row[q*C : (q+1)*C])
					}
				}
			}
			gemm.Wino4Input(vb[(t+i-tx-t0)*C:], T*C, &rows, C, 1)
		}
		t += cnt
	}
}
