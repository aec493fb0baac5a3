package gemm

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// F(4x4, 3x3)'s matrices as Lavin and Gray give them, for the float64
// references below (written out as matrices, not as the transforms' sums).
var (
	wino4Bt = [6][6]float64{
		{4, 0, -5, 0, 1, 0},
		{0, -4, -4, 1, 1, 0},
		{0, 4, -4, -1, 1, 0},
		{0, -2, -1, 2, 1, 0},
		{0, 2, -1, -2, 1, 0},
		{0, 4, 0, -5, 0, 1},
	}
	wino4At = [4][6]float64{
		{1, 1, 1, 1, 1, 0},
		{0, 1, -1, 2, -2, 0},
		{0, 1, 1, 4, 4, 0},
		{0, 1, -1, 8, -8, 1},
	}
	wino4Gm = [6][3]float64{
		{1.0 / 4, 0, 0},
		{-1.0 / 6, -1.0 / 6, -1.0 / 6},
		{-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6},
		{1.0 / 24, -1.0 / 12, 1.0 / 6},
		{0, 0, 1},
	}
)

// TestWino4Matrices: the matrices above compute a 3x3 correlation, A'
// [(G g G') ⊙ (B' d B)] A against the direct sums over a 6x6 input tile,
// in float64 (1e-12 of the terms' magnitude): the references below check
// the transforms against them.
func TestWino4Matrices(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	var d [6][6]float64
	var g [3][3]float64
	for i := range 6 {
		for j := range 6 {
			d[i][j] = r.NormFloat64()
		}
	}
	for i := range 3 {
		for j := range 3 {
			g[i][j] = r.NormFloat64()
		}
	}
	var u, v, m [6][6]float64
	var gg [6][3]float64
	for i := range 6 {
		for j := range 3 {
			for k := range 3 {
				gg[i][j] += wino4Gm[i][k] * g[k][j]
			}
		}
	}
	var bd [6][6]float64
	for i := range 6 {
		for j := range 6 {
			for k := range 6 {
				bd[i][j] += wino4Bt[i][k] * d[k][j]
			}
		}
	}
	for i := range 6 {
		for j := range 6 {
			for k := range 3 {
				u[i][j] += gg[i][k] * wino4Gm[j][k]
			}
			for k := range 6 {
				v[i][j] += bd[i][k] * wino4Bt[j][k]
			}
			m[i][j] = u[i][j] * v[i][j]
		}
	}
	for y := range 4 {
		for x := range 4 {
			var got float64
			for i := range 6 {
				for j := range 6 {
					got += wino4At[y][i] * m[i][j] * wino4At[x][j]
				}
			}
			var want, mag float64
			for ky := range 3 {
				for kx := range 3 {
					want += d[y+ky][x+kx] * g[ky][kx]
					mag += math.Abs(d[y+ky][x+kx] * g[ky][kx])
				}
			}
			if math.Abs(got-want) > 1e-12*mag {
				t.Fatalf("output (%d,%d): %g, want %g", y, x, got, want)
			}
		}
	}
}

// TestWino4: Wino4Input, Wino4OutputRow and Wino4Kernel on the assembly
// (where the CPU runs it) and in Go, against float64 matrix products
// B' d B, A' m A and G g G'. Tolerance 1e-6 of the sum of the terms'
// absolute values (a few float32 roundings of terms up to 64 times the
// inputs).
func TestWino4(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		wino4InputCases(t)
		wino4OutputCases(t)
		wino4KernelCases(t)
	})
}

func wino4InputCases(t *testing.T) {
	bt := make([][]float64, 6)
	for i := range bt {
		bt[i] = wino4Bt[i][:]
	}
	inputCases(t, rand.New(rand.NewPCG(63, 64)), bt, func(dst []float32, plane int, rows [][]float32, c, count int) {
		Wino4Input(dst, plane, (*[6][]float32)(rows), c, count)
	}, []int{1, 2, 5})
}

func wino4OutputCases(t *testing.T) {
	at := make([][]float64, 4)
	for i := range at {
		at[i] = wino4At[i][:]
	}
	outputRowCases(t, rand.New(rand.NewPCG(65, 66)), at, Wino4OutputRow, []int{8, 16, 24}, []int{1, 3})
}

func wino4KernelCases(t *testing.T) {
	r := rand.New(rand.NewPCG(67, 68))
	for _, n := range []int{1, 8, 13, 24} { // 13: a group of 8 and 5 on Go's loop
		ts, ds := n+2, n+5
		taps := randomSlice(r, 9*ts)
		dst := randomSlice(r, 36*ds)
		before := append([]float32(nil), dst...)
		Wino4Kernel(dst, ds, taps, ts, n)
		for p := range 36 {
			for j := p*ds + n; j < min((p+1)*ds, len(dst)); j++ {
				if dst[j] != before[j] {
					t.Fatalf("n %d: point %d's value %d, past the channels, changed", n, p, j-p*ds)
				}
			}
		}
		for o := range n {
			for i := range 6 {
				for j := range 6 {
					var want, mag float64
					for a := range 3 {
						for b := range 3 {
							term := wino4Gm[i][a] * float64(taps[(3*a+b)*ts+o]) * wino4Gm[j][b]
							want += term
							mag += math.Abs(term)
						}
					}
					if got := float64(dst[(6*i+j)*ds+o]); math.Abs(got-want) > 1e-6*mag+1e-30 {
						t.Fatalf("n %d channel %d point (%d,%d): %g, want %g", n, o, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestWinoHugeStrides: strides and counts whose products wrap around an
// int make the wrappers panic with their message (a reviewer found that
// Wino4Kernel with a stride of 1<<61 passed the check and the assembly
// then faulted, killing the process).
func TestWinoHugeStrides(t *testing.T) {
	const huge = 1 << 61
	var rows6 [6][]float32
	var rows4 [4][]float32
	for r := range rows6 {
		rows6[r] = make([]float32, 8)
	}
	for r := range rows4 {
		rows4[r] = make([]float32, 8)
	}
	small := make([]float32, 16)
	for name, f := range map[string]func(){
		"Wino4Kernel":    func() { Wino4Kernel(make([]float32, 36*8), 8, small, huge, 8) },
		"Wino4Input":     func() { Wino4Input(make([]float32, 8), huge, &rows6, huge, 1) },
		"Wino4OutputRow": func() { Wino4OutputRow(make([]float32, 64), huge, 8, make([]float32, 36*8), 8, huge, 8, 2) },
		"WinoKernel":     func() { WinoKernel(make([]float32, 16*8), 8, small, huge, 8) },
		"WinoInput":      func() { WinoInput(make([]float32, 8), huge, &rows4, huge, 1) },
		"WinoOutputRow":  func() { WinoOutputRow(make([]float32, 64), huge, 8, make([]float32, 16*8), 8, huge, 8, 2) },
		"MulTiles":       func() { MulTiles(make([]float32, 6*16), 16, make([]float32, 8), huge, 6, 1, small, 16, 16) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s: no panic", name)
				} else if s, ok := r.(string); !ok || !strings.HasPrefix(s, "gemm: ") {
					t.Errorf("%s: panicked with %v, not the wrapper's message", name, r)
				}
			}()
			f()
		}()
	}
}

// TestFits: base + a*b <= n, checked against big.Int arithmetic.
func TestFits(t *testing.T) {
	vals := []int{0, 1, 2, 7, 8, 1 << 30, 1 << 61, math.MaxInt}
	for _, n := range vals {
		for _, base := range vals {
			for _, a := range vals {
				for _, b := range vals {
					p := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(int64(b)))
					want := p.Add(p, big.NewInt(int64(base))).Cmp(big.NewInt(int64(n))) <= 0
					if got := fits(n, base, a, b); got != want {
						t.Fatalf("fits(%d, %d, %d, %d) = %v, want %v", n, base, a, b, got, want)
					}
				}
			}
		}
	}
	if fits(10, -1, 1, 1) || fits(10, 0, -1, 1) || fits(10, 0, 1, -1) {
		t.Fatal("fits accepts a negative term")
	}
}
