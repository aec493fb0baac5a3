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

//go:noescape
func winoInput8(count int, r0, r1, r2, r3 *float32, c int, dst *float32, plane int)

func winoInput(dst []float32, plane int, rows *[4][]float32, c, count int) {
	if !Accelerated {
		winoInputGo(dst, plane, rows, c, count)
		return
	}
	winoInput8(count, &rows[0][0], &rows[1][0], &rows[2][0], &rows[3][0], c, &dst[0], plane)
}

//go:noescape
func winoOutputRow8(count int, src *float32, plane, srcStep, c int, dst *float32, rowStride, colStep int)

func winoOutputRow(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int) {
	if !Accelerated {
		winoOutputRowGo(dst, rowStride, colStep, src, plane, srcStep, c, count)
		return
	}
	winoOutputRow8(count, &src[0], plane, srcStep, c, &dst[0], rowStride, colStep)
}

//go:noescape
func kernelTiles6x16s(tiles, kn int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// mulTilesPanel sets c = a·b for rows/6 tiles of a single 16-wide panel.
func mulTilesPanel(c []float32, ldc int, a []float32, lda, rows, k int, b []float32, ldb int) {
	if !Accelerated || AVX512 {
		for r := 0; r < rows; r += mr {
			kernelStrided(k, a[r*lda:], lda, 1, b, ldb, c[r*ldc:], ldc, false)
		}
		return
	}
	kernelTiles6x16s(rows/mr, k, &a[0], lda, &b[0], ldb, &c[0], ldc)
}

//go:noescape
func winoKernel8(taps *float32, ts int, dst *float32, ds int, n int)

func winoKernel(dst []float32, ds int, taps []float32, ts, n int) {
	if !Accelerated {
		winoKernelGo(dst, ds, taps, ts, n)
		return
	}
	winoKernel8(&taps[0], ts, &dst[0], ds, n)
}

//go:noescape
func narrowRows4(rows int, a *float32, lda, k int, bt *float32, c *float32, ldc int)

//go:noescape
func narrowGrad4x8(rows int, a *float32, lda int, b *float32, ldb int, ct *float32)

//go:noescape
func narrowGrad4x16(rows int, a *float32, lda int, b *float32, ldb int, ct *float32)

//go:noescape
func narrowGrad4x24(rows int, a *float32, lda int, b *float32, ldb int, ct *float32)

func narrowGrad4(m, rows int, a *float32, lda int, b *float32, ldb int, ct *float32) {
	switch m {
	case 8:
		narrowGrad4x8(rows, a, lda, b, ldb, ct)
	case 16:
		narrowGrad4x16(rows, a, lda, b, ldb, ct)
	case 24:
		narrowGrad4x24(rows, a, lda, b, ldb, ct)
	default:
		panic("gemm: narrowGrad4 of other than 8, 16 or 24 columns") // cannot happen: mulNarrow checks
	}
}

//go:noescape
func wino4Input8(count int, rows *[6]*float32, c int, dst *float32, plane int)

func wino4Input(dst []float32, plane int, rows *[6][]float32, c, count int) {
	if !Accelerated {
		wino4InputGo(dst, plane, rows, c, count)
		return
	}
	var p [6]*float32
	for r := range p {
		p[r] = &rows[r][0]
	}
	wino4Input8(count, &p, c, &dst[0], plane)
}

//go:noescape
func wino4OutputRow8(count int, src *float32, plane, srcStep, c int, dst *float32, rowStride, colStep int)

func wino4OutputRow(dst []float32, rowStride, colStep int, src []float32, plane, srcStep, c, count int) {
	if !Accelerated {
		wino4OutputRowGo(dst, rowStride, colStep, src, plane, srcStep, c, count)
		return
	}
	wino4OutputRow8(count, &src[0], plane, srcStep, c, &dst[0], rowStride, colStep)
}

//go:noescape
func wino4Kernel8(taps *float32, ts int, dst *float32, ds int, n int)

func wino4Kernel(dst []float32, ds int, taps []float32, ts, n int) {
	whole := n / 8 * 8
	if Accelerated && whole > 0 {
		wino4Kernel8(&taps[0], ts, &dst[0], ds, whole)
	} else {
		whole = 0
	}
	if whole < n {
		wino4KernelGo(dst[whole:], ds, taps[whole:], ts, n-whole)
	}
}
