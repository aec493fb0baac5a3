//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// Accelerated reports whether an assembly micro-kernel runs (AVX2 + FMA).
var Accelerated = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// AVX512 reports whether the AVX-512 micro-kernel runs (AVX-512F, which
// this CPU and its operating system support); tests and benchmarks switch
// it off to run the AVX2 kernel on the same machine.
var AVX512 = Accelerated && cpu.X86.HasAVX512F

//go:noescape
func kernel6x16s(kn int, a *float32, rs, ks int, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kernel6x16z(kn int, a *float32, rs, ks int, b *float32, ldb int, c *float32, ldc int, acc int)

func kernelStrided(kn int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	if !Accelerated {
		kernelStridedGo(kn, a, rs, ks, b, ldb, c, ldc, acc)
		return
	}
	_ = a[(mr-1)*rs+(kn-1)*ks]
	_ = b[(kn-1)*ldb+nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	f := 0
	if acc {
		f = 1
	}
	if AVX512 {
		kernel6x16z(kn, &a[0], rs, ks, &b[0], ldb, &c[0], ldc, f)
		return
	}
	kernel6x16s(kn, &a[0], rs, ks, &b[0], ldb, &c[0], ldc, f)
}

//go:noescape
func kernelIndirect6x16s(taps, seg int, ptrs **float32, b *float32, c *float32, ldc int)

func kernelIndirect(taps, seg int, ptrs []*float32, b, c []float32, ldc int) {
	if !Accelerated {
		kernelIndirectGo(taps, seg, ptrs, b, c, ldc)
		return
	}
	_ = ptrs[taps*mr-1]
	_ = b[taps*seg*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernelIndirect6x16s(taps, seg, &ptrs[0], &b[0], &c[0], ldc)
}

//go:noescape
func tapsForward4x16(groups, taps int, offs *int, x *float32, k *float32, c *float32, ldc int)

func tapsForward(groups int, offs []int, x, k, c []float32, ldc int) {
	if groups > 0 {
		tapsForward4x16(groups, len(offs), &offs[0], &x[0], &k[0], &c[0], ldc)
	}
}

//go:noescape
func tapsGrad3x16(rows, n int, x *float32, xrs int, offs *int, dy *float32, ldd int, c *float32, ldc int)

func tapsGrad3(c []float32, ldc int, x []float32, xrs, rows, n int, offs []int, dy []float32, ldd int) {
	tapsGrad3x16(rows, n, &x[0], xrs, &offs[0], &dy[0], ldd, &c[0], ldc)
}

//go:noescape
func kernelRows6x16s(rows, n int, a *float32, ars, ks int, b *float32, brs, ldb int, c *float32, imgs, ais, bis int)

func accumulateTile(c *[TileSize]float32, a []float32, ars, ks, rows, n int, b []float32, brs, ldb, imgs, ais, bis int) {
	if !Accelerated {
		accumulateTileGo(c, a, ars, ks, rows, n, b, brs, ldb, imgs, ais, bis)
		return
	}
	kernelRows6x16s(rows, n, &a[0], ars, ks, &b[0], brs, ldb, &c[0], imgs, ais, bis)
}
