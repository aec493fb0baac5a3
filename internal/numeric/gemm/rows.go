package gemm

import "fmt"

// TileSize is the number of values of AccumulateTile's result: a tile of
// TileRows rows by TapWidth columns.
const TileSize = mr * nr

// AccumulateTile adds to the tile c[i*TapWidth + j] (i < TileRows,
// j < TapWidth) the products of a and b summed over imgs grids of rows x n
// positions, both operands read in place:
//
//	sum over m < imgs, r < rows, k < n of
//	a[m*ais + r*ars + k*ks + i] * b[m*bis + r*brs + k*ldb + j]
//
// (A's TileRows values at a position lie next to each other: a
// convolution's input channels; b's TapWidth values too: its output
// gradient's channels.) This is a convolution kernel's gradient for one
// tap and a few images, the sums over the output positions whose input
// lies inside the image.
func AccumulateTile(c *[TileSize]float32, a []float32, ars, ks, rows, n int, b []float32, brs, ldb, imgs, ais, bis int) {
	if rows < 1 || n < 1 || imgs < 1 {
		return
	}
	if ars < 0 || ks < 0 || brs < 0 || ldb < 0 || ais < 0 || bis < 0 ||
		(imgs-1)*ais+(rows-1)*ars+(n-1)*ks+mr > len(a) || (imgs-1)*bis+(rows-1)*brs+(n-1)*ldb+nr > len(b) {
		panic(fmt.Sprintf("gemm: AccumulateTile of %dx%dx%d positions: %d values (strides %d, %d, %d), %d values (strides %d, %d, %d)",
			imgs, rows, n, len(a), ais, ars, ks, len(b), bis, brs, ldb))
	}
	accumulateTile(c, a, ars, ks, rows, n, b, brs, ldb, imgs, ais, bis)
}

func accumulateTileGo(c *[TileSize]float32, a []float32, ars, ks, rows, n int, b []float32, brs, ldb, imgs, ais, bis int) {
	for m := range imgs {
		accumulateImageGo(c, a[m*ais:], ars, ks, rows, n, b[m*bis:], brs, ldb)
	}
}

func accumulateImageGo(c *[TileSize]float32, a []float32, ars, ks, rows, n int, b []float32, brs, ldb int) {
	for r := range rows {
		for k := range n {
			av := a[r*ars+k*ks : r*ars+k*ks+mr]
			bv := b[r*brs+k*ldb : r*brs+k*ldb+nr]
			for i, x := range av {
				row := c[i*nr : (i+1)*nr]
				for j, y := range bv {
					row[j] += x * y
				}
			}
		}
	}
}
