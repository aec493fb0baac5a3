package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMulIndirect: indirect tiles, on the assembly kernel (where the CPU
// runs it) and on the Go one, against the float64 product of the
// explicitly gathered rows (tolerance as TestMul's: 1e-5 of the sum of
// absolute terms), over partial tiles, partial column panels, one and
// many taps, and segments shorter and longer than a vector, some read
// from a buffer of zeros (a convolution's padding) and some overlapping
// (neighbouring patches share pixels).
func TestMulIndirect(t *testing.T) { eachKernel(t, mulIndirect) }

// eachKernel runs f on the assembly kernels (where the CPU runs them) and
// on the Go ones, as subtests.
func eachKernel(t *testing.T, f func(t *testing.T)) {
	saved := Accelerated
	defer func() { Accelerated = saved }()
	for _, asm := range []bool{true, false} {
		if asm && !saved {
			t.Log("no AVX2/FMA (or a purego build): the Go kernels only")
			continue
		}
		Accelerated = asm
		t.Run(fmt.Sprintf("assembly=%v", asm), f)
	}
}

func mulIndirect(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	src := make([]float32, 4000)
	for i := range src {
		src[i] = r.Float32()*2 - 1
	}
	for _, taps := range []int{1, 3, 9} {
		for _, seg := range []int{1, 5, 16, 33} {
			zeros := make([]float32, seg)
			for _, n := range []int{1, 16, 17, 40} {
				for _, rows := range []int{1, 4, 6} {
					t.Run(fmt.Sprintf("taps=%d/seg=%d/n=%d/rows=%d", taps, seg, n, rows), func(t *testing.T) {
						k := taps * seg
						b := randMatrix(r, k, n, 1, r.IntN(2) == 0)
						pb := PackIndirect(b)
						defer pb.Release()
						ptrs := make([]*float32, taps*TileRows)
						starts := make([]int, len(ptrs)) // -1: zeros
						for i := range ptrs {
							starts[i] = r.IntN(len(src) - seg)
							if r.IntN(5) == 0 {
								starts[i] = -1
								ptrs[i] = &zeros[0]
								continue
							}
							ptrs[i] = &src[starts[i]]
						}
						ldc := n + 3
						c := make([]float32, (rows-1)*ldc+n)
						for i := range c {
							c[i] = float32(math.NaN()) // must all be overwritten
						}
						MulIndirect(c, ldc, rows, ptrs, taps, seg, pb)
						for i := range rows {
							for j := range n {
								var want, mag float64
								for tp := range taps {
									for q := range seg {
										var x float64
										if s := starts[tp*TileRows+i]; s >= 0 {
											x = float64(src[s+q])
										}
										p := x * float64(b.at(tp*seg+q, j))
										want += p
										mag += math.Abs(p)
									}
								}
								if got := float64(c[i*ldc+j]); !(math.Abs(got-want) <= 1e-5*mag+1e-6) {
									t.Fatalf("c[%d,%d] = %v, want %v", i, j, got, want)
								}
							}
						}
					})
				}
			}
		}
	}
}
