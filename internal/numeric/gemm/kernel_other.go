//go:build !amd64 || purego

package gemm

// Accelerated reports whether the assembly micro-kernel runs; never in
// this build.
var Accelerated = false

func kernelStrided(kn int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	kernelStridedGo(kn, a, rs, ks, b, ldb, c, ldc, acc)
}

// AVX512 reports whether the AVX-512 micro-kernel runs; never in this
// build.
var AVX512 = false

func kernelIndirect(taps, seg int, ptrs []*float32, b, c []float32, ldc int) {
	kernelIndirectGo(taps, seg, ptrs, b, c, ldc)
}

func tapsForward(groups int, offs []int, x, k, c []float32, ldc int) {
	tapsForwardGo(c, ldc, groups*4, x, offs, k)
}

func tapsGrad3(c []float32, ldc int, x []float32, xrs, rows, n int, offs []int, dy []float32, ldd int) {
	tapsGradGo(c, ldc, x, xrs, rows, n, offs, dy, ldd)
}

func accumulateTile(c *[TileSize]float32, a []float32, ars, ks, rows, n int, b []float32, brs, ldb, imgs, ais, bis int) {
	accumulateTileGo(c, a, ars, ks, rows, n, b, brs, ldb, imgs, ais, bis)
}

func winoInput(dst []float32, plane int, rows *[4][]float32, c, count int) {
	winoInputGo(dst, plane, rows, c, count)
}

func winoOutputRow(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int) {
	winoOutputRowGo(dst, rowStride, colStep, src, plane, srcStep, c, count)
}

func mulTilesPanel(c []float32, ldc int, a []float32, lda, rows, k int, b []float32, ldb int) {
	for r := 0; r < rows; r += mr {
		kernelStrided(k, a[r*lda:], lda, 1, b, ldb, c[r*ldc:], ldc, false)
	}
}

func winoKernel(dst []float32, ds int, taps []float32, ts, n int) {
	winoKernelGo(dst, ds, taps, ts, n)
}

func narrowRows4(rows int, a *float32, lda, k int, bt *float32, c *float32, ldc int) {
	panic("gemm: no narrow kernels in this build") // cannot happen: Accelerated is false
}

func narrowGrad4(m, rows int, a *float32, lda int, b *float32, ldb int, ct *float32) {
	panic("gemm: no narrow kernels in this build") // cannot happen: Accelerated is false
}

func wino4Input(dst []float32, plane int, rows *[6][]float32, c, count int) {
	wino4InputGo(dst, plane, rows, c, count)
}

func wino4OutputRow(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int) {
	wino4OutputRowGo(dst, rowStride, colStep, src, plane, srcStep, c, count)
}

func wino4Kernel(dst []float32, ds int, taps []float32, ts, n int) {
	wino4KernelGo(dst, ds, taps, ts, n)
}
