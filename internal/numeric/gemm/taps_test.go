package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTaps: TapsForward and TapsGrad, on the assembly kernels (where the
// CPU runs them) and on the Go ones, against float64 sums of the same
// terms written out from their definitions. Tolerance 1e-5 of the sum of
// the terms' absolute values (float32 rounding of up to a few thousand
// terms). Cases: position counts under, at and over the four-position
// group and odd ones (the gradient's pairs), one to ten taps (the
// gradient's groups of three and their remainders), strides wider than
// the result, and results that start non-zero (the gradient adds).
func TestTaps(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		tapsForwardCases(t)
		tapsGradCases(t)
	})
}

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

func tapsForwardCases(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	x := randomSlice(r, 600)
	for _, taps := range []int{1, 3, 9, 10} {
		for _, n := range []int{1, 3, 4, 5, 8, 28, 31} {
			for _, ldc := range []int{16, 32} {
				offs := make([]int, taps)
				for i := range offs {
					offs[i] = r.IntN(500)
				}
				k := randomSlice(r, taps*TapWidth)
				dst := randomSlice(r, (n-1)*ldc+TapWidth+3)
				before := append([]float32(nil), dst...)
				TapsForward(dst, ldc, n, x, offs, k)
				for i := range dst {
					p, j := i/ldc, i%ldc
					if p >= n || j >= TapWidth {
						if dst[i] != before[i] {
							t.Fatalf("taps %d n %d ldc %d: value %d outside the result changed", taps, n, ldc, i)
						}
						continue
					}
					var want, mag float64
					for tp, o := range offs {
						v := float64(x[o+p]) * float64(k[tp*TapWidth+j])
						want += v
						mag += math.Abs(v)
					}
					if d := math.Abs(float64(dst[i]) - want); d > 1e-5*mag+1e-7 {
						t.Fatalf("taps %d n %d ldc %d: [%d,%d] = %g, want %g", taps, n, ldc, p, j, dst[i], want)
					}
				}
			}
		}
	}
}

func tapsGradCases(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, taps := range []int{1, 2, 3, 4, 9, 10} {
		for _, shape := range [][2]int{{1, 1}, {1, 2}, {2, 3}, {3, 28}, {5, 7}} {
			rows, n := shape[0], shape[1]
			xrs := n + 3
			x := randomSlice(r, rows*xrs+40)
			offs := make([]int, taps)
			for i := range offs {
				offs[i] = r.IntN(40)
			}
			for _, ldd := range []int{16, 32} {
				dy := randomSlice(r, rows*n*ldd)
				ldc := 16 + 8*(taps%2)
				c := randomSlice(r, taps*ldc)
				before := append([]float32(nil), c...)
				TapsGrad(c, ldc, x, xrs, rows, n, offs, dy, ldd)
				for i := range c {
					tp, j := i/ldc, i%ldc
					if j >= TapWidth {
						if c[i] != before[i] {
							t.Fatalf("taps %d %dx%d: value %d outside the result changed", taps, rows, n, i)
						}
						continue
					}
					want, mag := float64(before[i]), math.Abs(float64(before[i]))
					for ri := range rows {
						for p := range n {
							v := float64(x[ri*xrs+offs[tp]+p]) * float64(dy[(ri*n+p)*ldd+j])
							want += v
							mag += math.Abs(v)
						}
					}
					if d := math.Abs(float64(c[i]) - want); d > 1e-5*mag+1e-7 {
						t.Fatalf("taps %d %dx%d ldd %d: [%d,%d] = %g, want %g", taps, rows, n, ldd, tp, j, c[i], want)
					}
				}
			}
		}
	}
}

// TestAccumulateTile: AccumulateTile on the assembly kernel (where the CPU
// runs it) and the Go one against float64 sums written out from its
// definition, onto a tile that starts non-zero; one and many images, rows
// and positions, strides wider than the values read. Tolerance 1e-5 of the
// sum of the terms' absolute values.
func TestAccumulateTile(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		asm := Accelerated
		r := rand.New(rand.NewPCG(45, 46))
		for _, shape := range [][3]int{{1, 1, 1}, {1, 1, 5}, {1, 3, 1}, {1, 7, 7}, {1, 14, 13}, {3, 7, 7}, {2, 1, 3}} {
			imgs, rows, n := shape[0], shape[1], shape[2]
			for _, st := range [][4]int{{6 * 20, 6, 16 * 20, 16}, {500, 16, 700, 32}} {
				ars, ks, brs, ldb := st[0], st[1], st[2], st[3]
				ais, bis := rows*ars+7, rows*brs+5
				a := randomSlice(r, (imgs-1)*ais+(rows-1)*ars+(n-1)*ks+TileRows)
				b := randomSlice(r, (imgs-1)*bis+(rows-1)*brs+(n-1)*ldb+TapWidth)
				var c [TileSize]float32
				copy(c[:], randomSlice(r, TileSize))
				before := c
				AccumulateTile(&c, a, ars, ks, rows, n, b, brs, ldb, imgs, ais, bis)
				for i := range TileRows {
					for j := range TapWidth {
						want, mag := float64(before[i*TapWidth+j]), math.Abs(float64(before[i*TapWidth+j]))
						for m := range imgs {
							for ri := range rows {
								for k := range n {
									v := float64(a[m*ais+ri*ars+k*ks+i]) * float64(b[m*bis+ri*brs+k*ldb+j])
									want += v
									mag += math.Abs(v)
								}
							}
						}
						if got := float64(c[i*TapWidth+j]); math.Abs(got-want) > 1e-5*mag+1e-7 {
							t.Fatalf("assembly=%v %dx%dx%d strides %v: [%d,%d] = %g, want %g", asm, imgs, rows, n, st, i, j, got, want)
						}
					}
				}
			}
		}
	})
}
