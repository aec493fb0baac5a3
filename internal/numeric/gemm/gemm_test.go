package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func randMatrix(r *rand.Rand, rows, cols, pad int, trans bool) Matrix {
	sr, sc := rows, cols
	if trans {
		sr, sc = cols, rows
	}
	stride := sc + pad
	data := make([]float32, max(0, (sr-1)*stride+sc))
	for i := range data {
		data[i] = float32(r.NormFloat64())
	}
	return Matrix{Data: data, Rows: rows, Cols: cols, Stride: stride, Trans: trans}
}

// reference is the textbook triple loop in float64, with the bound
// sum_k |a_ik||b_kj| on its rounding error in float32.
func reference(a, b Matrix) (c, bound []float64) {
	m, k, n := a.Rows, a.Cols, b.Cols
	c, bound = make([]float64, m*n), make([]float64, m*n)
	for i := range m {
		for j := range n {
			for l := range k {
				x, y := float64(a.at(i, l)), float64(b.at(l, j))
				c[i*n+j] += x * y
				bound[i*n+j] += math.Abs(x * y)
			}
		}
	}
	return c, bound
}

// TestMul compares Mul with the float64 triple loop. Tolerance: float32
// accumulation over k terms errs by at most about k*eps*sum|a||b|; 4e-6 per
// term of the bound (over 30x eps32 in total for k <= 300 and far under it
// elsewhere in practice) fails any indexing mistake, which errs by O(|c|).
func TestMul(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct{ m, k, n int }{
		{1, 1, 1}, {6, 1, 16}, {5, 7, 3}, {7, 9, 17}, {13, 300, 33}, {100, 9, 16},
		{64, 257, 31}, {150, 520, 40}, {9, 5000, 16}, {3, 2000, 4}, {200, 32, 144}, {50, 600, 32}, {40, 700, 48},
		{49, 81, 100}, {7, 50, 1000}, // columns split among the workers
		{16, 3000, 4}, {32, 700, 3}, {48, 100, 1}, // few columns: the transposed product where a is transposed
	}
	for _, cs := range cases {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				name := fmt.Sprintf("%dx%dx%d/ta=%v/tb=%v", cs.m, cs.k, cs.n, ta, tb)
				t.Run(name, func(t *testing.T) {
					a := randMatrix(r, cs.m, cs.k, 3, ta)
					b := randMatrix(r, cs.k, cs.n, 1, tb)
					ldc := cs.n + 2
					c := make([]float32, (cs.m-1)*ldc+cs.n)
					for i := range c {
						c[i] = float32(math.NaN()) // must all be overwritten
					}
					Mul(c, ldc, a, b)
					want, bound := reference(a, b)
					// Serial, accumulating onto a copy of the result: 2x.
					c2 := append([]float32(nil), c...)
					Serial(c2, ldc, a, b, true)
					for i := range cs.m {
						for j := range cs.n {
							if d := math.Abs(float64(c2[i*ldc+j]) - 2*want[i*cs.n+j]); !(d <= 8e-6*float64(cs.k)*bound[i*cs.n+j]+1e-30) {
								t.Fatalf("Serial accumulate c[%d,%d] = %g, want %g", i, j, c2[i*ldc+j], 2*want[i*cs.n+j])
							}
						}
					}
					for i := range cs.m {
						for j := range cs.n {
							got := float64(c[i*ldc+j])
							if d := math.Abs(got - want[i*cs.n+j]); !(d <= 4e-6*float64(cs.k)*bound[i*cs.n+j]+1e-30) {
								t.Fatalf("c[%d,%d] = %g, want %g (bound %g)", i, j, got, want[i*cs.n+j], bound[i*cs.n+j])
							}
						}
					}
				})
			}
		}
	}
}

// TestKernelsAgree runs the plain-Go and (where available) the assembly
// micro-kernels — AVX2 and, where the CPU has it, AVX-512 — on packed
// panels and on A read in place (row-major with padding), overwriting and
// accumulating, against float64 sums. Tolerance 1e-4 per term of values in
// N(0, 1). Odd and even kn: the AVX-512 kernel takes k two at a time.
func TestKernelsAgree(t *testing.T) {
	saved := AVX512
	defer func() { AVX512 = saved }()
	for _, wide := range []bool{false, true} {
		if wide && !saved {
			t.Log("no AVX-512 on this CPU: its kernel is not run")
			continue
		}
		AVX512 = wide
		kernelsAgree(t)
	}
}

func kernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ kn, ldb int }{{1, nr}, {2, nr}, {3, nr}, {17, nr}, {256, nr}, {17, nr + 7}, {256, 2 * nr}} {
		kn, ldb := c.kn, c.ldb // ldb: b packed (nr) or read in place from a wider matrix
		b := make([]float32, (kn-1)*ldb+nr)
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		const ldc = nr + 5
		base := make([]float32, (mr-1)*ldc+nr)
		for i := range base {
			base[i] = float32(r.NormFloat64())
		}
		// Layouts of A: packed (rs 1, ks mr) and row-major with stride kn+3.
		for _, lay := range []struct{ rs, ks int }{{1, mr}, {kn + 3, 1}} {
			a := make([]float32, (mr-1)*lay.rs+(kn-1)*lay.ks+1)
			for i := range a {
				a[i] = float32(r.NormFloat64())
			}
			for _, acc := range []bool{false, true} {
				got := append([]float32(nil), base...)
				goGot := append([]float32(nil), base...)
				kernelStrided(kn, a, lay.rs, lay.ks, b, ldb, got, ldc, acc)
				kernelStridedGo(kn, a, lay.rs, lay.ks, b, ldb, goGot, ldc, acc)
				for i := range got {
					row, col := i/ldc, i%ldc
					exact := float64(base[i])
					if col < nr {
						if !acc {
							exact = 0
						}
						for kk := range kn {
							exact += float64(a[row*lay.rs+kk*lay.ks]) * float64(b[kk*ldb+col])
						}
					}
					for name, v := range map[string]float32{"go": goGot[i], "kernel": got[i]} {
						if math.Abs(float64(v)-exact) > 1e-4*float64(kn) {
							t.Fatalf("kn=%d ldb=%d layout=%v acc=%v %s[%d] = %g, want %g", kn, ldb, lay, acc, name, i, v, exact)
						}
					}
				}
			}
		}
	}
	t.Logf("assembly micro-kernel: %v, AVX-512: %v", Accelerated, AVX512)
}

// The products of one training step of the seed model at batch 128
// (im2col convolutions forward, and the two gradient products of each).
var stepShapes = []struct {
	name    string
	m, k, n int
	ta, tb  bool
}{
	{"conv1-fwd", 100352, 9, 16, false, false},
	{"conv1-dW", 9, 100352, 16, true, false},
	{"conv2-fwd", 25088, 144, 32, false, false},
	{"conv2-dX", 25088, 32, 144, false, true},
	{"conv2-dW", 144, 25088, 32, true, false},
	{"conv3-fwd", 6272, 288, 64, false, false},
	{"conv3-dW", 288, 6272, 64, true, false},
	{"deconv1-fwd", 1152, 64, 288, false, false},
	// The 2x2 stride-2 transposed convolutions (depth to space): forward,
	// input and weight gradients.
	{"deconv2-fwd", 6272, 32, 64, false, false},
	{"deconv2-dX", 6272, 64, 32, false, true},
	{"deconv2-dW", 32, 6272, 64, true, false},
	{"deconv3-fwd", 25088, 16, 4, false, false},
	{"deconv3-dX", 25088, 4, 16, false, true},
	{"deconv3-dW", 16, 25088, 4, true, false},
	// The 3 -> 7 transposed layer as overlapAdd (model/layers.go):
	// contributions, their overlap-add product with T and its gradient.
	{"overlap-contrib", 1152, 64, 288, false, false},
	{"overlap-contrib-dW", 64, 1152, 288, true, false},
	{"overlap-contrib-dX", 1152, 288, 64, false, true},
	{"overlap-T", 49, 81, 4096, false, false},
	{"overlap-T-grad", 81, 49, 4096, true, false},
	{"overlap-T-rows", 4096, 81, 49, false, false},
	{"overlap-T-rows-grad", 4096, 49, 81, false, true},
	// The same at batch 32.
	{"overlap32-contrib", 288, 64, 288, false, false},
	{"overlap32-contrib-dW", 64, 288, 288, true, false},
	{"overlap32-contrib-dX", 288, 288, 64, false, true},
	{"overlap32-T", 49, 81, 1024, false, false},
}

func BenchmarkStepShapes(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range stepShapes {
		b.Run(s.name, func(b *testing.B) {
			x := randMatrix(r, s.m, s.k, 0, s.ta)
			y := randMatrix(r, s.k, s.n, 0, s.tb)
			c := make([]float32, s.m*s.n)
			b.ResetTimer()
			for range b.N {
				Mul(c, s.n, x, y)
			}
			b.ReportMetric(2*float64(s.m*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
		})
	}
}

// TestMulPacked: products with a packed right operand, over column ranges
// that start at panel edges and end anywhere, against the float64 triple
// loop (tolerance as TestMul's: 1e-5 of the sum of absolute terms).
func TestMulPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, sh := range [][3]int{{1, 1, 1}, {7, 300, 50}, {13, 5, 100}, {6, 513, 33}} {
		m, k, n := sh[0], sh[1], sh[2]
		for _, trans := range []bool{false, true} {
			a := randMatrix(r, m, k, 3, false)
			b := randMatrix(r, k, n, 5, trans)
			p := Pack(b)
			if p.Rows() != k || p.Cols() != n {
				t.Fatalf("packed %dx%d, want %dx%d", p.Rows(), p.Cols(), k, n)
			}
			for _, cols := range [][2]int{{0, n}, {0, min(n, PanelWidth)}, {min(n/PanelWidth, 2) * PanelWidth, n}} {
				j0, j1 := cols[0], cols[1]
				c := make([]float32, m*(j1-j0))
				MulPacked(c, j1-j0, a, p, j0, j1)
				for i := range m {
					for j := j0; j < j1; j++ {
						var want, mag float64
						for q := range k {
							x := float64(a.at(i, q)) * float64(b.at(q, j))
							want += x
							mag += math.Abs(x)
						}
						if got := float64(c[i*(j1-j0)+j-j0]); math.Abs(got-want) > 1e-5*mag+1e-6 {
							t.Fatalf("%v trans %v cols [%d,%d): c[%d,%d] = %v, want %v", sh, trans, j0, j1, i, j, got, want)
						}
					}
				}
			}
		}
	}
}

// TestSubRows: a packed matrix with v[r] subtracted from row r multiplies
// as the explicitly shifted matrix does (tolerance as TestMulPacked's).
func TestSubRows(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	const m, k, n = 5, 300, 37 // k over a contraction block, n over two panels
	a := randMatrix(r, m, k, 0, false)
	b := randMatrix(r, k, n, 2, true)
	v := make([]float32, k)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	shifted := Matrix{Data: append([]float32(nil), b.Data...), Rows: k, Cols: n, Stride: b.Stride, Trans: true}
	for j := range n {
		for i := range k {
			shifted.Data[j*b.Stride+i] -= v[i]
		}
	}
	p := Pack(b)
	p.SubRows(v)
	got, want := make([]float32, m*n), make([]float32, m*n)
	MulPacked(got, n, a, p, 0, n)
	Serial(want, n, a, shifted, false)
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-4 {
			t.Fatalf("c[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestPackInto: a matrix packed into a given buffer (longer than needed,
// filled with NaN first) multiplies to the same bits as Pack's.
func TestPackInto(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	const m, k, n = 7, 300, 37 // k over a contraction block, n over two panels
	a := randMatrix(r, m, k, 0, false)
	b := randMatrix(r, k, n, 2, true)
	npan := (n + PanelWidth - 1) / PanelWidth
	dst := make([]float32, k*npan*PanelWidth+5)
	for i := range dst {
		dst[i] = float32(math.NaN())
	}
	got, want := make([]float32, m*n), make([]float32, m*n)
	MulPacked(got, n, a, PackInto(dst, b), 0, n)
	MulPacked(want, n, a, Pack(b), 0, n)
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("c[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
