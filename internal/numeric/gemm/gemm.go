package gemm

import (
	"fmt"
	"sync"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

const (
	mr = 6   // rows of the micro-kernel's tile
	nr = 16  // columns of the micro-kernel's tile
	kc = 256 // contraction block: a kc x nr panel of B stays in L1
	mc = 72  // row block: an mc x kc block of A stays in L2
)

// Matrix is a row-major float32 matrix view: element (i, j) is
// Data[i*Stride+j], or Data[j*Stride+i] when Trans is set (the view is the
// transpose of the stored matrix).
type Matrix struct {
	Data   []float32
	Rows   int
	Cols   int
	Stride int
	Trans  bool
}

func (m Matrix) at(i, j int) float32 {
	if m.Trans {
		return m.Data[j*m.Stride+i]
	}
	return m.Data[i*m.Stride+j]
}

func (m Matrix) check(name string) {
	rows, cols := m.Rows, m.Cols
	if m.Trans {
		rows, cols = cols, rows
	}
	if rows < 0 || cols < 0 || (rows > 0 && cols > 0 && (m.Stride < cols || len(m.Data) < (rows-1)*m.Stride+cols)) {
		panic(fmt.Sprintf("gemm: %s is %dx%d (stored %dx%d, stride %d) over %d values", name, m.Rows, m.Cols, rows, cols, m.Stride, len(m.Data)))
	}
}

// Mul sets c = a·b. c is m x n with row stride ldc; a is m x k, b is k x n.
// It panics if the shapes disagree (a programmer error).
func Mul(c []float32, ldc int, a, b Matrix) {
	a.check("a")
	b.check("b")
	m, k, n := a.Rows, a.Cols, b.Cols
	if b.Rows != k {
		panic(fmt.Sprintf("gemm: a is %dx%d but b is %dx%d", a.Rows, a.Cols, b.Rows, b.Cols))
	}
	if m == 0 || n == 0 {
		return
	}
	if ldc < n || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("gemm: c has %d values with stride %d for %dx%d", len(c), ldc, m, n))
	}
	if k == 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	if mulNarrow(c, ldc, a, b) {
		return
	}
	if transposeCheaper(m, n, a) {
		// A few columns fill a fraction of the kernel's 16: the transposed
		// product, c' = b'·a', fills them with a's rows instead, and reads
		// its right operand a' in place.
		t := Scratch(n * m)
		defer Release(t)
		Mul(*t, m, b.T(), a.T())
		for j := range n {
			for i, v := range (*t)[j*m : (j+1)*m] {
				c[i*ldc+j] = v
			}
		}
		return
	}
	workers := parallel.Workers()
	flops := 2 * m * n * k
	if workers < 2 || flops < 1<<18 {
		mulRange(c, ldc, a, b, 0, m, 0, k, false)
		return
	}
	rowPanels := (m + mr - 1) / mr
	if colPanels := (n + nr - 1) / nr; m < colSplitRows && colPanels >= 2*workers && packsB(b) {
		// Few rows and b packed: split the columns, so that each worker
		// packs only its own panels of b (split by rows, every worker
		// would pack all of b, as many values as it multiplies by few
		// rows).
		parallel.Chunks(colPanels, workers, func(lo, hi int) {
			j0, j1 := lo*nr, min(hi*nr, n)
			mulRange(c[j0:], ldc, a, b.cols(j0, j1), 0, m, 0, k, false)
		})
		return
	}
	if rowPanels >= 2*workers {
		parallel.Chunks(rowPanels, workers, func(lo, hi int) {
			mulRange(c, ldc, a, b, lo*mr, min(hi*mr, m), 0, k, false)
		})
		return
	}
	// Few rows: split the contraction, sum the partial products.
	parts := min(workers, (k+kc-1)/kc)
	if parts < 2 {
		mulRange(c, ldc, a, b, 0, m, 0, k, false)
		return
	}
	partial := make([][]float32, parts)
	parallel.Do(parts, func(w int) {
		lo, hi := k*w/parts, k*(w+1)/parts
		if w == 0 {
			mulRange(c, ldc, a, b, 0, m, lo, hi, false)
			return
		}
		partial[w] = make([]float32, m*n)
		mulRange(partial[w], n, a, b, 0, m, lo, hi, false)
	})
	for _, p := range partial[1:] {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			for j, v := range p[i*n : i*n+n] {
				row[j] += v
			}
		}
	}
}

// colSplitRows is the row count under which Mul splits a packed b's
// columns among the workers rather than a's rows (BenchmarkStepShapes on
// 2 cores, alternated: overlap-T, 49 rows, 0.98-1.13 -> 0.43-0.51 ms;
// overlap-contrib-dW, 64 rows, 1.09-1.13 -> 0.59-0.60 ms; overlap32-contrib,
// 288 rows, 0.23 -> 0.18-0.19 ms).
const colSplitRows = 1024

// packsB reports whether mulRange packs b (it reads b in place when b's
// rows already hold whole panels).
func packsB(b Matrix) bool {
	return b.Trans || b.Cols%nr != 0 || b.Stride > maxInPlaceStride
}

// transposeCheaper reports whether Mul should compute c' = b'·a' and
// transpose it: where that product's tiles waste at most half as much of
// the micro-kernel (columns padded to 16, rows to 6) and a' is read in
// place, unpacked (a kernel gradient of few output channels, 16x25088x4:
// BenchmarkStepShapes deconv3-dW 0.72-0.77 -> 0.25-0.29 ms, 2 cores).
func transposeCheaper(m, n int, a Matrix) bool {
	pad := func(x, to int) int { return (x + to - 1) / to * to }
	return 2*pad(n, mr)*pad(m, nr) <= pad(m, mr)*pad(n, nr) && !packsB(a.T())
}

// T is the transposed view of m.
func (m Matrix) T() Matrix {
	v := m
	v.Rows, v.Cols, v.Trans = m.Cols, m.Rows, !m.Trans
	return v
}

// cols is the view of columns [j0, j1) of m.
func (m Matrix) cols(j0, j1 int) Matrix {
	v := m
	v.Cols = j1 - j0
	if m.Trans {
		v.Data = m.Data[j0*m.Stride:]
	} else {
		v.Data = m.Data[j0:]
	}
	return v
}

// mulRange computes rows [m0, m1) of c over the contraction [k0, k1): it
// overwrites c when accumulate is false. Full 6-row tiles of a are read in
// place by the micro-kernel; only a last, partial tile is packed (zero
// padded).
func mulRange(c []float32, ldc int, a, b Matrix, m0, m1, k0, k1 int, accumulate bool) {
	if !b.Trans && b.Cols%nr == 0 && b.Stride <= maxInPlaceStride {
		// b's rows already hold whole panels: the kernel reads them in
		// place.
		mulPanels(c, ldc, a, b.Cols, func(kb, kn, jp int) ([]float32, int) {
			return b.Data[kb*b.Stride+jp*nr:], b.Stride
		}, m0, m1, k0, k1, accumulate)
		return
	}
	npan := (b.Cols + nr - 1) / nr
	bp := Scratch(kc * npan * nr)
	defer Release(bp)
	packed := -1 // the contraction block in bp
	mulPanels(c, ldc, a, b.Cols, func(kb, kn, jp int) ([]float32, int) {
		if kb != packed {
			packB(*bp, b, kb, kn)
			packed = kb
		}
		return (*bp)[jp*kn*nr:], nr
	}, m0, m1, k0, k1, accumulate)
}

// maxInPlaceStride is the widest row stride at which the micro-kernel
// reads b unpacked. Rows 64 values apart share a quarter of the
// first-level cache's sets, but the second level holds the panel and
// packing cost more (BenchmarkStepShapes: deconv2-dW 0.80 -> 0.36 ms,
// conv3-dW 2.2 -> 1.6 ms); at 288 values (deconv1-fwd) packing wins.
const maxInPlaceStride = 4 * nr

// mulPanels is mulRange with the n columns of b given as panels:
// panel(kb, kn, jp) returns column panel jp of the contraction block
// [kb, kb+kn) and its row stride (nr when packed).
func mulPanels(c []float32, ldc int, a Matrix, n int, panel func(kb, kn, jp int) ([]float32, int), m0, m1, k0, k1 int, accumulate bool) {
	npan := (n + nr - 1) / nr
	ap := Scratch(kc * mr)
	defer Release(ap)
	var tile [mr * nr]float32
	full := m0 + (m1-m0)/mr*mr // rows in full tiles
	for kb := k0; kb < k1; kb += kc {
		kn := min(kc, k1-kb)
		acc := accumulate || kb > k0
		if full < m1 {
			packA(*ap, a, full, m1-full, kb, kn)
		}
		for ib := m0; ib < m1; ib += mc {
			iEnd := min(ib+mc, m1)
			for jp := range npan {
				j := jp * nr
				bpan, ldb := panel(kb, kn, jp)
				cols := min(nr, n-j)
				for i := ib; i < iEnd; i += mr {
					if i < full && cols == nr {
						if a.Trans {
							kernelStrided(kn, a.Data[kb*a.Stride+i:], 1, a.Stride, bpan, ldb, c[i*ldc+j:], ldc, acc)
						} else {
							kernelStrided(kn, a.Data[i*a.Stride+kb:], a.Stride, 1, bpan, ldb, c[i*ldc+j:], ldc, acc)
						}
						continue
					}
					if i < full {
						if a.Trans {
							kernelStrided(kn, a.Data[kb*a.Stride+i:], 1, a.Stride, bpan, ldb, tile[:], nr, false)
						} else {
							kernelStrided(kn, a.Data[i*a.Stride+kb:], a.Stride, 1, bpan, ldb, tile[:], nr, false)
						}
					} else {
						kernelStrided(kn, *ap, 1, mr, bpan, ldb, tile[:], nr, false)
					}
					rows := min(mr, m1-i)
					for r := range rows {
						dst := c[(i+r)*ldc+j : (i+r)*ldc+j+cols]
						src := tile[r*nr : r*nr+cols]
						if acc {
							for q, v := range src {
								dst[q] += v
							}
						} else {
							copy(dst, src)
						}
					}
				}
			}
		}
	}
}

// packB copies b[kb:kb+kn, :] into column panels of nr: panel p holds, for
// each k, the nr values b[k, p*nr : p*nr+nr] (zero past the last column).
func packB(dst []float32, b Matrix, kb, kn int) {
	n := b.Cols
	for jp := 0; jp*nr < n; jp++ {
		j0 := jp * nr
		cols := min(nr, n-j0)
		p := dst[jp*kn*nr : (jp+1)*kn*nr]
		if b.Trans { // stored rows are b's columns: read each once, in order
			for q := range nr {
				if q >= cols {
					for kk := range kn {
						p[kk*nr+q] = 0
					}
					continue
				}
				src := b.Data[(j0+q)*b.Stride+kb : (j0+q)*b.Stride+kb+kn]
				for kk, v := range src {
					p[kk*nr+q] = v
				}
			}
			continue
		}
		for kk := range kn {
			row := p[kk*nr : kk*nr+nr]
			src := b.Data[(kb+kk)*b.Stride+j0:]
			copy(row[:cols], src[:cols])
			clear(row[cols:])
		}
	}
}

// packA copies a[ib:ib+mn, kb:kb+kn] into row panels of mr: panel p holds,
// for each k, the mr values a[p*mr : p*mr+mr, k] (zero past the last row).
func packA(dst []float32, a Matrix, ib, mn, kb, kn int) {
	for ip := 0; ip*mr < mn; ip++ {
		i0 := ib + ip*mr
		rows := min(mr, ib+mn-i0)
		p := dst[ip*kn*mr : (ip+1)*kn*mr]
		if a.Trans {
			// Element by element: mr values a step are too few for copy
			// and clear calls.
			for kk := range kn {
				src := a.Data[(kb+kk)*a.Stride+i0:]
				src = src[:rows]
				col := p[kk*mr : kk*mr+mr]
				for r := range col {
					var v float32
					if r < len(src) {
						v = src[r]
					}
					col[r] = v
				}
			}
			continue
		}
		for r := range mr {
			if r >= rows {
				for kk := range kn {
					p[kk*mr+r] = 0
				}
				continue
			}
			src := a.Data[(i0+r)*a.Stride+kb : (i0+r)*a.Stride+kb+kn]
			for kk, v := range src {
				p[kk*mr+r] = v
			}
		}
	}
}

var scratch sync.Pool

// Scratch returns a float32 buffer of length n, reused from earlier
// Release calls where one is large enough; its contents are arbitrary.
func Scratch(n int) *[]float32 {
	if p, ok := scratch.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

// Release hands a Scratch buffer back for reuse.
func Release(p *[]float32) { scratch.Put(p) }

// kernelStridedGo is the plain-Go micro-kernel: c[0:mr, 0:nr] (row stride
// ldc) is set to, or with acc increased by, the product of the mr x kn
// block of a whose element (r, k) is a[r*rs + k*ks] (packed panels: rs 1,
// ks mr) and the kn x nr panel b with row stride ldb (nr when packed).
func kernelStridedGo(kn int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	var t [mr * nr]float32
	for kk := range kn {
		bv := b[kk*ldb : kk*ldb+nr]
		for r := range mr {
			x := a[r*rs+kk*ks]
			tr := t[r*nr : r*nr+nr]
			for q, y := range bv {
				tr[q] += x * y
			}
		}
	}
	for r := range mr {
		dst := c[r*ldc : r*ldc+nr]
		if acc {
			for q, v := range t[r*nr : r*nr+nr] {
				dst[q] += v
			}
		} else {
			copy(dst, t[r*nr:r*nr+nr])
		}
	}
}

// Serial sets c = a·b, or adds a·b to c when accumulate is set, on the
// calling goroutine only: for callers that split work across cores
// themselves.
func Serial(c []float32, ldc int, a, b Matrix, accumulate bool) {
	a.check("a")
	b.check("b")
	if b.Rows != a.Cols {
		panic(fmt.Sprintf("gemm: a is %dx%d but b is %dx%d", a.Rows, a.Cols, b.Rows, b.Cols))
	}
	m, n := a.Rows, b.Cols
	if m == 0 || n == 0 {
		return
	}
	if ldc < n || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("gemm: c has %d values with stride %d for %dx%d", len(c), ldc, m, n))
	}
	if a.Cols == 0 {
		if !accumulate {
			for i := range m {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	mulRange(c, ldc, a, b, 0, m, 0, a.Cols, accumulate)
}

// Packed is a k x n matrix packed once into the micro-kernel's column
// panels, for many products that share it as their right operand (a
// k-nearest-neighbour search multiplies every tile of queries by the same
// training rows).
type Packed struct {
	data    []float32
	k, n    int
	scratch *[]float32 // PackScratch's buffer
}

// PanelWidth is the column granularity of Packed: MulPacked's column ranges
// start at multiples of it.
const PanelWidth = nr

// Pack packs b.
func Pack(b Matrix) *Packed {
	b.check("b")
	npan := (b.Cols + nr - 1) / nr
	p := &Packed{data: make([]float32, b.Rows*npan*nr), k: b.Rows, n: b.Cols}
	p.pack(b)
	return p
}

// PackInto is Pack into dst, which must hold at least b.Rows x b.Cols
// rounded up to whole panels of PanelWidth columns (it panics otherwise:
// a programmer's error).
func PackInto(dst []float32, b Matrix) *Packed {
	b.check("b")
	npan := (b.Cols + nr - 1) / nr
	p := &Packed{data: dst[:b.Rows*npan*nr], k: b.Rows, n: b.Cols}
	p.pack(b)
	return p
}

// PackScratch is Pack into a Scratch buffer, for a packed matrix used
// briefly: Release hands the buffer back.
func PackScratch(b Matrix) *Packed {
	b.check("b")
	npan := (b.Cols + nr - 1) / nr
	s := Scratch(b.Rows * npan * nr)
	p := &Packed{data: *s, k: b.Rows, n: b.Cols, scratch: s}
	p.pack(b)
	return p
}

// Release hands a PackScratch buffer back for reuse; p must not be used
// after. It does nothing for Pack's.
func (p *Packed) Release() {
	if p.scratch != nil {
		Release(p.scratch)
		p.scratch, p.data = nil, nil
	}
}

func (p *Packed) pack(b Matrix) {
	k, n := b.Rows, b.Cols
	npan := (n + nr - 1) / nr
	blocks := (k + kc - 1) / kc
	// Blocks of columns on separate cores: each packs its panels of every
	// contraction block.
	parallel.Range(npan, parallel.Workers(), func(lo, hi int) {
		for bi := range blocks {
			kb := bi * kc
			kn := min(kc, k-kb)
			sub := b
			sub.Cols = min(n, hi*nr) - lo*nr
			if b.Trans {
				sub.Data = b.Data[lo*nr*b.Stride:]
			} else {
				sub.Data = b.Data[lo*nr:]
			}
			packB(p.data[kb*npan*nr+lo*kn*nr:], sub, kb, kn)
		}
	})
}

// Rows and Cols are the packed matrix's size.
func (p *Packed) Rows() int { return p.k }
func (p *Packed) Cols() int { return p.n }

// MulPacked sets c = a·b[:, j0:j1] (c is m x (j1-j0), row stride ldc) on
// the calling goroutine. j0 must be a multiple of PanelWidth.
func MulPacked(c []float32, ldc int, a Matrix, b *Packed, j0, j1 int) {
	a.check("a")
	if a.Cols != b.k || j0 < 0 || j0%nr != 0 || j1 < j0 || j1 > b.n {
		panic(fmt.Sprintf("gemm: a is %dx%d, packed b is %dx%d, columns [%d, %d)", a.Rows, a.Cols, b.k, b.n, j0, j1))
	}
	m, n := a.Rows, j1-j0
	if m == 0 || n == 0 || b.k == 0 {
		return
	}
	if ldc < n || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("gemm: c has %d values with stride %d for %dx%d", len(c), ldc, m, n))
	}
	npan := (b.n + nr - 1) / nr
	jp0 := j0 / nr
	mulPanels(c, ldc, a, n, func(kb, kn, jp int) ([]float32, int) {
		return b.data[kb*npan*nr+(jp0+jp)*kn*nr:], nr
	}, 0, m, 0, b.k, false)
}

// SubRows subtracts v[r] from every value of row r of the packed matrix
// (the zero padding past the last column stays zero), in place, on all
// cores: a right operand centred without a second copy of it.
func (p *Packed) SubRows(v []float32) {
	if len(v) != p.k {
		panic(fmt.Sprintf("gemm: SubRows of %d values for %d rows", len(v), p.k))
	}
	npan := (p.n + nr - 1) / nr
	parallel.Range(npan, parallel.Workers(), func(lo, hi int) {
		for kb := 0; kb < p.k; kb += kc {
			kn := min(kc, p.k-kb)
			for jp := lo; jp < hi; jp++ {
				cols := min(nr, p.n-jp*nr)
				pan := p.data[kb*npan*nr+jp*kn*nr:]
				for kk := range kn {
					row := pan[kk*nr : kk*nr+cols]
					for q := range row {
						row[q] -= v[kb+kk]
					}
				}
			}
		}
	})
}
