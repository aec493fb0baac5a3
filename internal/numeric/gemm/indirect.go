package gemm

import (
	"fmt"
	"unsafe"
)

// Indirect products: the left operand is never stored. Its row i is the
// concatenation of taps segments of seg values each, segment t read where
// a pointer says (a convolution's patch row: for tap t, the input pixel's
// channels, or zeros in the padding), so a convolution multiplies its
// input in place instead of gathering a patch matrix first (XNNPACK's
// "indirect GEMM"). The right operand is packed whole into column panels.

// IndirectB is a k x n right operand packed for MulIndirect: column panels
// of PanelWidth, each holding all k rows (zero past the last column).
type IndirectB struct {
	data    []float32
	k, n    int
	scratch *[]float32
}

// PackIndirect packs b into a Scratch buffer; Release hands it back.
func PackIndirect(b Matrix) *IndirectB {
	b.check("b")
	npan := (b.Cols + nr - 1) / nr
	s := Scratch(b.Rows * npan * nr)
	packB(*s, b, 0, b.Rows)
	return &IndirectB{data: *s, k: b.Rows, n: b.Cols, scratch: s}
}

// Release hands the packed buffer back; p must not be used after.
func (p *IndirectB) Release() {
	if p.scratch != nil {
		Release(p.scratch)
		p.scratch, p.data = nil, nil
	}
}

// TileRows is how many rows of the left operand MulIndirect takes at a
// time: the micro-kernel's.
const TileRows = mr

// MulIndirect sets rows [0, rows) (rows <= TileRows) of c (row stride ldc,
// b.Cols columns) to A·b, where A's row r is the concatenation over taps t
// of the seg values at ptrs[t*TileRows+r] (taps*seg = b.Rows). The kernel
// computes whole tiles, so the pointers of rows past rows must point at
// seg readable values too (zeros, say); their results are dropped.
func MulIndirect(c []float32, ldc, rows int, ptrs []*float32, taps, seg int, b *IndirectB) {
	if rows < 1 || rows > mr || taps*seg != b.k || len(ptrs) < taps*mr || seg < 1 {
		panic(fmt.Sprintf("gemm: MulIndirect of %d rows, %d taps of %d for %d rows of b, %d pointers", rows, taps, seg, b.k, len(ptrs)))
	}
	n := b.n
	if ldc < n || len(c) < (rows-1)*ldc+n {
		panic(fmt.Sprintf("gemm: c has %d values with stride %d for %dx%d", len(c), ldc, rows, n))
	}
	var tile [mr * nr]float32
	for jp := 0; jp*nr < n; jp++ {
		j := jp * nr
		cols := min(nr, n-j)
		bp := b.data[jp*b.k*nr : (jp+1)*b.k*nr]
		if rows == mr && cols == nr {
			kernelIndirect(taps, seg, ptrs, bp, c[j:], ldc)
			continue
		}
		kernelIndirect(taps, seg, ptrs, bp, tile[:], nr)
		for r := range rows {
			copy(c[r*ldc+j:r*ldc+j+cols], tile[r*nr:r*nr+cols])
		}
	}
}

// kernelIndirectGo is the plain-Go indirect micro-kernel: c[0:mr, 0:nr]
// (row stride ldc) = the product of the mr x (taps*seg) indirect block and
// the panel b (row stride nr).
func kernelIndirectGo(taps, seg int, ptrs []*float32, b, c []float32, ldc int) {
	var t [mr * nr]float32
	for tp := range taps {
		for r := range mr {
			a := unsafe.Slice(ptrs[tp*mr+r], seg)
			tr := t[r*nr : r*nr+nr]
			for kk, x := range a {
				bv := b[(tp*seg+kk)*nr : (tp*seg+kk)*nr+nr]
				for q, y := range bv {
					tr[q] += x * y
				}
			}
		}
	}
	for r := range mr {
		copy(c[r*ldc:r*ldc+nr], t[r*nr:r*nr+nr])
	}
}
