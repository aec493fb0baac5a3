package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The transform matrices as Lavin and Gray give them, for the float64
// references below (written out as matrices, not as the kernels' sums).
var (
	winoBt = [4][4]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	winoAt = [2][4]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
	winoG  = [4][3]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
)

// TestWino: WinoInput, WinoOutputRow, WinoKernel and MulTiles on the
// assembly (where the CPU runs it; MulTiles's AVX2 loop even on an
// AVX-512 CPU) and in Go, against float64 matrix products B' d B, A' m A,
// G g G' and a·b. Tolerance 1e-6 of the sum of the terms' absolute
// values (a handful of float32 additions; the products' k terms).
func TestWino(t *testing.T) {
	savedZ := AVX512
	defer func() { AVX512 = savedZ }()
	AVX512 = false // MulTiles's AVX2 loop (AVX-512 CPUs take kernelStrided's)
	eachKernel(t, func(t *testing.T) {
		winoInputCases(t)
		winoOutputRowCases(t)
		winoKernelCases(t)
		mulTilesCases(t)
	})
}

func winoInputCases(t *testing.T) {
	bt := make([][]float64, 4)
	for i := range bt {
		bt[i] = winoBt[i][:]
	}
	inputCases(t, rand.New(rand.NewPCG(51, 52)), bt, func(dst []float32, plane int, rows [][]float32, c, count int) {
		WinoInput(dst, plane, (*[4][]float32)(rows), c, count)
	}, []int{1, 3, 5})
}

// inputCases runs an input transform of (s x s)-value tiles (bt: B', s x
// s; neighbouring tiles two columns apart) over 8, 16 and 24 channels and
// counts tiles, its rows out of order in one slice and gaps between the
// planes, against the float64 B' d B (tolerance 1e-6 of the sum of the
// terms' absolute values), and checks that nothing past the tiles in a
// plane is written.
func inputCases(t *testing.T, r *rand.Rand, bt [][]float64, run func(dst []float32, plane int, rows [][]float32, c, count int), counts []int) {
	t.Helper()
	s := len(bt)
	m := s - 2 // columns from one tile to the next
	for _, c := range []int{8, 16, 24} {
		for _, count := range counts {
			rowStride := (m*count+2)*c + 5
			src := randomSlice(r, (s-1)*rowStride+(m*count+2)*c)
			plane := count*c + 3
			dst := randomSlice(r, s*s*plane)
			before := append([]float32(nil), dst...)
			// The rows out of order in src (odd ones first, from the
			// end): each is read through its own slice.
			rows := make([][]float32, s)
			for y := range s {
				k := y / 2
				if y%2 == 1 {
					k = s - 1 - y/2
				}
				rows[y] = src[k*rowStride:]
			}
			run(dst, plane, rows, c, count)
			for i := range count {
				for ch := range c {
					for y := range s {
						for x := range s {
							var want, mag float64
							for a := range s {
								for b := range s {
									term := bt[y][a] * float64(rows[a][(m*i+b)*c+ch]) * bt[x][b]
									want += term
									mag += math.Abs(term)
								}
							}
							if got := float64(dst[(s*y+x)*plane+i*c+ch]); math.Abs(got-want) > 1e-6*mag {
								t.Fatalf("%dx%d tiles, c %d tile %d/%d channel %d point (%d,%d): %g, want %g", s, s, c, i, count, ch, y, x, got, want)
							}
						}
					}
				}
			}
			for p := range s * s {
				for j := count * c; j < plane; j++ {
					if dst[p*plane+j] != before[p*plane+j] {
						t.Fatalf("%dx%d tiles, c %d count %d: plane %d's value %d, past the tiles, changed", s, s, c, count, p, j)
					}
				}
			}
		}
	}
}

func mulTilesCases(t *testing.T) {
	r := rand.New(rand.NewPCG(55, 56))
	for _, s := range [][3]int{{6, 1, 16}, {12, 16, 32}, {18, 33, 48}} {
		rows, k, cols := s[0], s[1], s[2]
		lda, ldb, ldc := k+3, cols+16, cols+5
		a, b := randomSlice(r, rows*lda), randomSlice(r, k*ldb)
		c := randomSlice(r, rows*ldc)
		MulTiles(c, ldc, a, lda, rows, k, b, ldb, cols)
		for i := range rows {
			for j := range cols {
				var want, mag float64
				for q := range k {
					v := float64(a[i*lda+q]) * float64(b[q*ldb+j])
					want += v
					mag += math.Abs(v)
				}
				if got := float64(c[i*ldc+j]); math.Abs(got-want) > 1e-6*mag+1e-7 {
					t.Fatalf("%v: [%d,%d] = %g, want %g", s, i, j, got, want)
				}
			}
		}
	}
}

// winoOutputRowCases: WinoOutputRow against the float64 A' m A.
func winoOutputRowCases(t *testing.T) {
	at := [][]float64{winoAt[0][:], winoAt[1][:]}
	outputRowCases(t, rand.New(rand.NewPCG(57, 58)), at, WinoOutputRow, []int{8, 24, 40}, []int{1, 4})
}

// outputRowCases runs an output transform of m x m tiles (at: A', m rows
// of m+2) over c channels and count tiles, with gaps between the planes,
// tiles, columns and rows, against the float64 A' m A (tolerance 1e-6 of
// the sum of the terms' absolute values), and checks that nothing between
// or past the tiles' outputs is written.
func outputRowCases(t *testing.T, r *rand.Rand, at [][]float64, run func(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int), cs, counts []int) {
	t.Helper()
	m, s := len(at), len(at[0])
	for _, c := range cs {
		for _, count := range counts {
			plane, srcStep := count*c+9, c+3
			colStep := c + 2
			rowStride := m*count*colStep + 5
			src := randomSlice(r, (count-1)*srcStep+s*s*plane)
			dst := randomSlice(r, m*rowStride)
			before := append([]float32(nil), dst...)
			run(dst, rowStride, colStep, src, plane, srcStep, c, count)
			written := make([]bool, len(dst))
			for i := range count {
				for ch := range c {
					for y := range m {
						for x := range m {
							var want, mag float64
							for a := range s {
								for b := range s {
									term := at[y][a] * float64(src[i*srcStep+(s*a+b)*plane+ch]) * at[x][b]
									want += term
									mag += math.Abs(term)
								}
							}
							o := y*rowStride + (m*i+x)*colStep + ch
							written[o] = true
							if got := float64(dst[o]); math.Abs(got-want) > 1e-6*mag {
								t.Fatalf("%dx%d tiles, c %d count %d tile %d channel %d output (%d,%d): %g, want %g", m, m, c, count, i, ch, y, x, got, want)
							}
						}
					}
				}
			}
			for j := range dst {
				if !written[j] && dst[j] != before[j] {
					t.Fatalf("%dx%d tiles, c %d count %d: value %d outside the outputs changed", m, m, c, count, j)
				}
			}
		}
	}
}

// winoKernelCases: WinoKernel against the float64 G g G' (tolerance 1e-6
// of the sum of the terms' absolute values), and nothing written past
// the channels.
func winoKernelCases(t *testing.T) {
	r := rand.New(rand.NewPCG(59, 60))
	for _, n := range []int{8, 24, 64} {
		ts, ds := n+3, n+5
		taps := randomSlice(r, 8*ts+n)
		dst := randomSlice(r, 16*ds)
		before := append([]float32(nil), dst...)
		WinoKernel(dst, ds, taps, ts, n)
		for o := range n {
			var gg [4][3]float64 // G g
			for i := range 4 {
				for kx := range 3 {
					for ky := range 3 {
						gg[i][kx] += winoG[i][ky] * float64(taps[(3*ky+kx)*ts+o])
					}
				}
			}
			for i := range 4 {
				for j := range 4 {
					var want, mag float64
					for kx := range 3 {
						want += gg[i][kx] * winoG[j][kx]
						mag += math.Abs(gg[i][kx] * winoG[j][kx])
					}
					if got := float64(dst[(4*i+j)*ds+o]); math.Abs(got-want) > 1e-6*mag+1e-7 {
						t.Fatalf("n %d channel %d point (%d,%d): %g, want %g", n, o, i, j, got, want)
					}
				}
			}
		}
		for p := range 16 {
			for j := n; j < ds; j++ {
				if dst[p*ds+j] != before[p*ds+j] {
					t.Fatalf("n %d: point %d's value %d, past the channels, changed", n, p, j)
				}
			}
		}
	}
}

// TestTileArgumentChecks: the exported tile functions return at once on
// empty work and panic, naming themselves, on strides that would take the
// assembly outside its slices (negative strides pass a length check that
// multiplies them; the kernels would read or write before the slice).
func TestTileArgumentChecks(t *testing.T) {
	c := make([]float32, 6*16)
	MulTiles(c, 16, make([]float32, 4), 4, 0, 4, make([]float32, 64), 16, 16) // no rows: nothing to do
	for i, v := range c {
		if v != 0 {
			t.Fatalf("MulTiles of no rows wrote c[%d]", i)
		}
	}
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if r := recover(); r == nil {
				t.Errorf("%s: no panic", name)
			} else if s := fmt.Sprint(r); len(s) < 5 || s[:5] != "gemm:" {
				t.Errorf("%s: panic %q does not name gemm", name, s)
			}
		}()
		f()
	}
	big := make([]float32, 400)
	mustPanic("MulTiles with a negative ldc", func() {
		MulTiles(big[200:216], -16, make([]float32, 24), 4, 6, 4, make([]float32, 64), 16, 16)
	})
	mustPanic("MulTiles with a negative lda", func() {
		MulTiles(make([]float32, 96), 16, big[200:204], -4, 6, 4, make([]float32, 64), 16, 16)
	})
	mustPanic("TapsGrad with a negative row stride", func() {
		TapsGrad(make([]float32, 48), 16, big[100:110], -50, 2, 1, []int{0, 1, 2}, make([]float32, 32), 16)
	})
	mustPanic("WinoOutputRow with a negative plane", func() {
		WinoOutputRow(make([]float32, 64), 32, 8, big[300:308], -8, 0, 8, 1)
	})
	mustPanic("Wino4OutputRow with a negative plane", func() {
		Wino4OutputRow(make([]float32, 256), 64, 8, big[300:308], -8, 0, 8, 1)
	})
	mustPanic("WinoOutputRow with a negative step", func() {
		WinoOutputRow(make([]float32, 64), 32, 8, big[200:], 8, -100, 8, 2)
	})
}
