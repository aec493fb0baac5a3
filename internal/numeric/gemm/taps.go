package gemm

import "fmt"

// Tap products: a convolution of one input channel along a row of output
// positions, where the left operand's values are single input values (a
// patch row holds one value a tap) and packing them would copy each input
// value once a tap. Here the input is read in place: tap t of output
// position p is x[offs[t] + p] (x a padded grid, offs the taps' offsets
// in it), so both kernels broadcast input values straight from x.

// TapWidth is the number of output channels a tap product computes: a
// wider result is computed TapWidth columns at a time.
const TapWidth = nr

// TapsForward sets dst[p*ldc + j], for p < n and j < TapWidth, to
//
//	sum over t of x[offs[t] + p] * k[t*TapWidth + j]
//
// (k holds TapWidth values a tap).
func TapsForward(dst []float32, ldc, n int, x []float32, offs []int, k []float32) {
	taps := len(offs)
	if n < 1 || taps < 1 {
		return
	}
	if ldc < nr || len(dst) < (n-1)*ldc+nr || len(k) < taps*nr || maxOffset(offs)+n > len(x) || minOffset(offs) < 0 {
		panic(fmt.Sprintf("gemm: TapsForward of %d positions, %d taps: %d, %d (stride %d) and %d values", n, taps, len(x), len(dst), ldc, len(k)))
	}
	g := 0
	if Accelerated {
		g = n / 4
		tapsForward(g, offs, x, k, dst, ldc)
	}
	if g*4 < n {
		tapsForwardGo(dst[g*4*ldc:], ldc, n-g*4, x[g*4:], offs, k)
	}
}

func tapsForwardGo(dst []float32, ldc, n int, x []float32, offs []int, k []float32) {
	for p := range n {
		row := dst[p*ldc : p*ldc+nr]
		clear(row)
		for t, o := range offs {
			v := x[o+p]
			for j, kv := range k[t*nr : (t+1)*nr] {
				row[j] += v * kv
			}
		}
	}
}

// TapsGrad adds to c[t*ldc + j], for taps t < len(offs) and j < TapWidth,
//
//	sum over r < rows, p < n of x[r*xrs + offs[t] + p] * dy[(r*n + p)*ldd + j]
//
// (a one-channel convolution's kernel gradient over one image: dy the
// output gradient, rows of n positions one after another, ldd values a
// position).
func TapsGrad(c []float32, ldc int, x []float32, xrs, rows, n int, offs []int, dy []float32, ldd int) {
	taps := len(offs)
	if rows < 1 || n < 1 || taps < 1 {
		return
	}
	if ldc < nr || len(c) < (taps-1)*ldc+nr || ldd < nr || len(dy) < (rows*n-1)*ldd+nr || xrs < 0 ||
		minOffset(offs) < 0 || (rows-1)*xrs+maxOffset(offs)+n > len(x) {
		panic(fmt.Sprintf("gemm: TapsGrad of %dx%d positions, %d taps: %d, %d (stride %d), %d (stride %d) values", rows, n, taps, len(x), len(dy), ldd, len(c), ldc))
	}
	if !Accelerated {
		tapsGradGo(c, ldc, x, xrs, rows, n, offs, dy, ldd)
		return
	}
	for t0 := 0; t0 < taps; t0 += 3 {
		if t0+3 <= taps {
			tapsGrad3(c[t0*ldc:], ldc, x, xrs, rows, n, offs[t0:t0+3], dy, ldd)
			continue
		}
		// The last one or two taps: the kernel's third row repeats the
		// last tap and is dropped.
		var tmp [3 * nr]float32
		var o [3]int
		for i := range 3 {
			t := min(t0+i, taps-1)
			o[i] = offs[t]
			if t0+i < taps {
				copy(tmp[i*nr:(i+1)*nr], c[t*ldc:t*ldc+nr])
			}
		}
		tapsGrad3(tmp[:], nr, x, xrs, rows, n, o[:], dy, ldd)
		for t := t0; t < taps; t++ {
			copy(c[t*ldc:t*ldc+nr], tmp[(t-t0)*nr:(t-t0+1)*nr])
		}
	}
}

func tapsGradGo(c []float32, ldc int, x []float32, xrs, rows, n int, offs []int, dy []float32, ldd int) {
	for t, o := range offs {
		row := c[t*ldc : t*ldc+nr]
		for r := range rows {
			xr := x[r*xrs+o : r*xrs+o+n]
			for p, v := range xr {
				d := dy[(r*n+p)*ldd : (r*n+p)*ldd+nr]
				for j, dv := range d {
					row[j] += v * dv
				}
			}
		}
	}
}

func maxOffset(offs []int) int {
	m := offs[0]
	for _, o := range offs {
		m = max(m, o)
	}
	return m
}

func minOffset(offs []int) int {
	m := offs[0]
	for _, o := range offs {
		m = min(m, o)
	}
	return m
}
