package gemm

import "fmt"

// Winograd's F(2x2, 3x3): a 3x3 convolution computed a 2x2 tile of outputs
// at a time from a 4x4 tile of inputs with 16 products a channel pair
// instead of 36 (Lavin and Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016). With B, G and A the transform matrices
//
//	B' = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	G  = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//	A' = [1 1 1 0; 0 1 -1 -1]
//
// the tile of outputs is A' [sum over ic of (G g G') ⊙ (B' d B')] A, the
// sum over ic for each of the 16 points a matrix product across tiles.
// This file has the input and output transforms over vectors of channels
// and the products; the convolution that calls them is the backend's.

// WinoPoints is the number of transformed points a tile: 4x4.
const WinoPoints = 16

// WinoInput writes the input transforms B' d B' of count tiles: tile i's
// input d[r][q][ch] is rows[r][(2i + q)*c + ch] (r, q < 4, ch < c;
// neighbouring tiles overlap by two columns), and its point p's channels
// go to dst[p*plane + i*c:][:c]. c must be a multiple of 8.
func WinoInput(dst []float32, plane int, rows *[4][]float32, c, count int) {
	if count < 1 {
		return
	}
	ok := c%8 == 0 && c >= 8 && count <= len(dst) && fits(plane, 0, count, c) && fits(len(dst), count*c, 15, plane)
	for _, r := range rows {
		ok = ok && fits(len(r), 0, 2*count+2, c)
	}
	if !ok {
		panic(fmt.Sprintf("gemm: WinoInput of %d tiles of %d channels: rows of %d, %d, %d, %d values, %d values (plane %d)",
			count, c, len(rows[0]), len(rows[1]), len(rows[2]), len(rows[3]), len(dst), plane))
	}
	winoInput(dst, plane, rows, c, count)
}

func winoInputGo(dst []float32, plane int, rows *[4][]float32, c, count int) {
	var d [4][4]float32
	var t [4][4]float32
	for i := range count {
		for ch := range c {
			for r := range 4 {
				for q := range 4 {
					d[r][q] = rows[r][(2*i+q)*c+ch]
				}
			}
			for q := range 4 { // B' d
				t[0][q] = d[0][q] - d[2][q]
				t[1][q] = d[1][q] + d[2][q]
				t[2][q] = d[2][q] - d[1][q]
				t[3][q] = d[1][q] - d[3][q]
			}
			for r := range 4 { // (B' d) B
				v := [4]float32{t[r][0] - t[r][2], t[r][1] + t[r][2], t[r][2] - t[r][1], t[r][1] - t[r][3]}
				for q, x := range v {
					dst[(4*r+q)*plane+i*c+ch] = x
				}
			}
		}
	}
}

// winoOutputGo writes the output transform A' m A of one tile: point p's
// channels are src[p*plane:][:c], and the tile's outputs (row, column)
// (0,0), (0,1), (1,0), (1,1) go to y[0], y[1], y[2], y[3], c values each.
func winoOutputGo(y *[4][]float32, src []float32, plane, c int) {
	for ch := range c {
		var t [2][4]float32
		for q := range 4 { // A' m
			m0, m1, m2, m3 := src[q*plane+ch], src[(4+q)*plane+ch], src[(8+q)*plane+ch], src[(12+q)*plane+ch]
			t[0][q] = m0 + m1 + m2
			t[1][q] = m1 - m2 - m3
		}
		for r := range 2 { // (A' m) A
			y[2*r][ch] = t[r][0] + t[r][1] + t[r][2]
			y[2*r+1][ch] = t[r][1] - t[r][2] - t[r][3]
		}
	}
}

// MulTiles sets c (row stride ldc) to a·b for a rows x k matrix a (row
// stride lda) and a k x cols matrix b (row stride ldb), both read in
// place by the micro-kernel, on the calling goroutine: rows must be a
// multiple of TileRows and cols of TapWidth (the caller pads them).
func MulTiles(c []float32, ldc int, a []float32, lda, rows, k int, b []float32, ldb, cols int) {
	if rows == 0 || cols == 0 {
		return
	}
	if rows < 0 || cols < 0 || rows%mr != 0 || cols%nr != 0 || k < 1 || lda < k || ldb < cols || ldc < cols ||
		!fits(len(a), k, rows-1, lda) || !fits(len(b), cols, k-1, ldb) || !fits(len(c), cols, rows-1, ldc) {
		panic(fmt.Sprintf("gemm: MulTiles of %dx%d by %dx%d", rows, k, k, cols))
	}
	for j := 0; j < cols; j += nr {
		mulTilesPanel(c[j:], ldc, a, lda, rows, k, b[j:], ldb)
	}
}

// WinoOutputRow writes the output transforms A' m A of count whole tiles
// along an output row: tile i's points are src[i*srcStep + p*plane:][:c],
// and its outputs (0,0), (0,1), (1,0), (1,1) go to dst at 2i*colStep,
// 2i*colStep + colStep, 2i*colStep + rowStride and 2i*colStep + rowStride
// + colStep. c must be a multiple of 8.
func WinoOutputRow(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int) {
	if count < 1 {
		return
	}
	if c%8 != 0 || c < 8 || colStep < c || count > len(dst) || !fits(rowStride, 0, 2*count, colStep) || rowStride > len(dst) ||
		!fits(len(dst), rowStride+c, 2*count-1, colStep) || srcStep < 0 || plane < c || plane > len(src) ||
		!fits(len(src), 15*plane+c, count-1, srcStep) {
		panic(fmt.Sprintf("gemm: WinoOutputRow of %d tiles of %d channels: %d values (strides %d, %d), %d values (plane %d, step %d)",
			count, c, len(dst), rowStride, colStep, len(src), plane, srcStep))
	}
	winoOutputRow(dst, rowStride, colStep, src, plane, srcStep, c, count)
}

func winoOutputRowGo(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int) {
	for i := range count {
		o := 2 * i * colStep
		y := [4][]float32{dst[o:], dst[o+colStep:], dst[o+rowStride:], dst[o+rowStride+colStep:]}
		winoOutputGo(&y, src[i*srcStep:], plane, c)
	}
}

// WinoKernel writes the kernel transform G g G' of n output channels of
// one input channel: tap t = 3*ky + kx of g is taps[t*ts:][:n], and point
// p's values go to dst[p*ds:][:n]. n must be a multiple of 8.
func WinoKernel(dst []float32, ds int, taps []float32, ts, n int) {
	if n%8 != 0 || n < 8 || ts < n || ds < n || !fits(len(taps), n, 8, ts) || !fits(len(dst), n, 15, ds) {
		panic(fmt.Sprintf("gemm: WinoKernel of %d channels: %d values (stride %d), %d values (stride %d)", n, len(taps), ts, len(dst), ds))
	}
	winoKernel(dst, ds, taps, ts, n)
}

func winoKernelGo(dst []float32, ds int, taps []float32, ts, n int) {
	for o := range n {
		var r [4][3]float32 // G g: rows i, columns kx
		for kx := range 3 {
			g0, g1, g2 := taps[kx*ts+o], taps[(3+kx)*ts+o], taps[(6+kx)*ts+o]
			r[0][kx], r[1][kx], r[2][kx], r[3][kx] = g0, (g0+g1+g2)*0.5, (g0-g1+g2)*0.5, g2
		}
		for i := range 4 { // (G g) G'
			a, b, c := r[i][0], r[i][1], r[i][2]
			dst[4*i*ds+o], dst[(4*i+1)*ds+o], dst[(4*i+2)*ds+o], dst[(4*i+3)*ds+o] = a, (a+b+c)*0.5, (a-b+c)*0.5, c
		}
	}
}

// fits reports whether base + a*b <= n, for non-negative base, a and b,
// without overflowing: the wrappers' bounds checks guard assembly, which
// a product that wrapped around would send past the slices' ends.
func fits(n, base, a, b int) bool {
	if base < 0 || a < 0 || b < 0 || base > n {
		return false
	}
	return a == 0 || b <= (n-base)/a
}
