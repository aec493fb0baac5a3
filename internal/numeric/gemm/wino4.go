package gemm

import "fmt"

// Winograd's F(4x4, 3x3): a 4x4 tile of outputs from a 6x6 tile of
// inputs, 36 products a channel pair instead of 144 (F(2x2, 3x3): 64 for
// the same outputs). Lavin and Gray's matrices, with the points 0, ±1, ±2
// and infinity:
//
//	B' = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//	G  = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//	A' = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// Its transforms multiply by up to 8, so its float32 results carry more
// rounding error than F(2x2, 3x3)'s, the more the more input channels: a
// review measured 9.9e-5 against 1.9e-5 (absolute, values in [-1, 1]) on
// the model's shapes, 3.7e-4 against 3.8e-5 at 256 input channels and
// 1.15e-3 against 6.7e-5 at 512, where the outputs are sums of 4,608
// products. The assembly is written by gen_wino4.py.

// Wino4Points is the number of transformed points an F(4x4, 3x3) tile
// has: 6x6.
const Wino4Points = 36

// Wino4Input writes the input transforms B' d B of count tiles: tile i's
// input d[r][q][ch] is rows[r][(4i + q)*c + ch] (r, q < 6, ch < c;
// neighbouring tiles overlap by two columns), and its point p = 6r + q
// goes to dst[p*plane + i*c:][:c]. c must be a multiple of 8.
func Wino4Input(dst []float32, plane int, rows *[6][]float32, c, count int) {
	if count < 1 {
		return
	}
	ok := c%8 == 0 && c >= 8 && count <= len(dst) && fits(plane, 0, count, c) && fits(len(dst), count*c, 35, plane)
	for _, r := range rows {
		ok = ok && fits(len(r), 0, 4*count+2, c)
	}
	if !ok {
		panic(fmt.Sprintf("gemm: Wino4Input of %d tiles of %d channels: rows of %d, %d, %d, %d, %d, %d values, %d values (plane %d)",
			count, c, len(rows[0]), len(rows[1]), len(rows[2]), len(rows[3]), len(rows[4]), len(rows[5]), len(dst), plane))
	}
	wino4Input(dst, plane, rows, c, count)
}

// wino4In is B' x for one column of six values.
func wino4In(x *[6]float32) [6]float32 {
	d0, d1, d2, d3, d4, d5 := x[0], x[1], x[2], x[3], x[4], x[5]
	return [6]float32{
		4*d0 - 5*d2 + d4,
		(d3 + d4) - 4*(d1+d2),
		(d4 - d3) + 4*(d1-d2),
		(d4 - d2) + 2*(d3-d1),
		(d4 - d2) - 2*(d3-d1),
		4*d1 - 5*d3 + d5,
	}
}

func wino4InputGo(dst []float32, plane int, rows *[6][]float32, c, count int) {
	for i := range count {
		for ch := range c {
			var t [6][6]float32 // B' d, [r][q]
			for q := range 6 {
				var col [6]float32
				for r := range 6 {
					col[r] = rows[r][(4*i+q)*c+ch]
				}
				v := wino4In(&col)
				for r := range 6 {
					t[r][q] = v[r]
				}
			}
			for r := range 6 { // (B' d) B
				v := wino4In(&t[r])
				for q, x := range v {
					dst[(6*r+q)*plane+i*c+ch] = x
				}
			}
		}
	}
}

// Wino4OutputRow writes the output transforms A' m A of count tiles along
// an output row: tile i's point p is src[i*srcStep + p*plane:][:c], and
// its output (y, x) (y, x < 4) goes to dst[y*rowStride + (4i + x)*colStep:][:c].
// c must be a multiple of 8.
func Wino4OutputRow(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int) {
	if count < 1 {
		return
	}
	if c%8 != 0 || c < 8 || colStep < c || count > len(dst) || !fits(rowStride, 0, 4*count, colStep) || rowStride > len(dst) ||
		!fits(len(dst), 3*rowStride+c, 4*count-1, colStep) || srcStep < 0 || plane < c || plane > len(src) ||
		!fits(len(src), 35*plane+c, count-1, srcStep) {
		panic(fmt.Sprintf("gemm: Wino4OutputRow of %d tiles of %d channels: %d values (strides %d, %d), %d values (plane %d, step %d)",
			count, c, len(dst), rowStride, colStep, len(src), plane, srcStep))
	}
	wino4OutputRow(dst, rowStride, colStep, src, plane, srcStep, c, count)
}

// wino4Out is A' m for one column of six values.
func wino4Out(m *[6]float32) [4]float32 {
	a, b := m[1]+m[2], m[1]-m[2]
	c, d := m[3]+m[4], m[3]-m[4]
	return [4]float32{m[0] + a + c, b + 2*d, a + 4*c, b + 8*d + m[5]}
}

func wino4OutputRowGo(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int) {
	for i := range count {
		s := src[i*srcStep:]
		for ch := range c {
			var t [6][4]float32 // m A, [r][x]
			for r := range 6 {
				var row [6]float32
				for q := range 6 {
					row[q] = s[(6*r+q)*plane+ch]
				}
				t[r] = wino4Out(&row)
			}
			for x := range 4 { // A' (m A)
				var col [6]float32
				for r := range 6 {
					col[r] = t[r][x]
				}
				for y, v := range wino4Out(&col) {
					dst[y*rowStride+(4*i+x)*colStep+ch] = v
				}
			}
		}
	}
}

// Wino4Kernel writes the kernel transform G g G' of n output channels of
// one input channel: tap t = 3*ky + kx of g is taps[t*ts:][:n], and point
// p = 6i + j goes to dst[p*ds:][:n]. Any n runs; whole groups of 8
// channels run on the assembly where it runs.
func Wino4Kernel(dst []float32, ds int, taps []float32, ts, n int) {
	if n < 1 || ts < n || ds < n || !fits(len(taps), n, 8, ts) || !fits(len(dst), n, 35, ds) {
		panic(fmt.Sprintf("gemm: Wino4Kernel of %d channels: %d values (stride %d), %d values (stride %d)", n, len(taps), ts, len(dst), ds))
	}
	wino4Kernel(dst, ds, taps, ts, n)
}

func wino4KernelGo(dst []float32, ds int, taps []float32, ts, n int) {
	for o := range n {
		var r [6][3]float32 // G g: rows i, columns kx
		for kx := range 3 {
			v := wino4G(taps[kx*ts+o], taps[(3+kx)*ts+o], taps[(6+kx)*ts+o])
			for i := range 6 {
				r[i][kx] = v[i]
			}
		}
		for i := range 6 { // (G g) G'
			for j, v := range wino4G(r[i][0], r[i][1], r[i][2]) {
				dst[(6*i+j)*ds+o] = v
			}
		}
	}
}

// wino4G is G g for one column of three taps.
func wino4G(g0, g1, g2 float32) [6]float32 {
	const sixth, twelfth, q24 = 1.0 / 6, 1.0 / 12, 1.0 / 24
	s := g0 + g2
	return [6]float32{
		g0 * 0.25,
		-(s + g1) * sixth,
		-(s - g1) * sixth,
		g0*q24 + g1*twelfth + g2*sixth,
		g0*q24 - g1*twelfth + g2*sixth,
		g2,
	}
}
