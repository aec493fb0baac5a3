//go:build amd64 && !purego

package backend

import "golang.org/x/sys/cpu"

// poolAVX512 reports whether the 2x2 pooling rows run on the AVX-512
// loops (pool_amd64.s); tests switch it off to compare with the Go loops.
var poolAVX512 = cpu.X86.HasAVX512F

//go:noescape
func pool2x2RowZ(out, top, bot *float32, ow, c int)

//go:noescape
func scatter2x2RowZ(src, top, bot, otop, obot *float32, ow, c int)

// pool2x2Row and scatter2x2Row run a row of windows (see run2x2) on the
// AVX-512 loops and report true, or report false (the caller loops in
// Go) without AVX-512, when c is not a multiple of 16 or the row is empty.
func pool2x2Row(out, top, bot []float32, ow, c int) bool {
	if !poolAVX512 || c%16 != 0 || ow == 0 || c == 0 {
		return false
	}
	_, _, _ = out[ow*c-1], top[2*ow*c-1], bot[2*ow*c-1]
	pool2x2RowZ(&out[0], &top[0], &bot[0], ow, c)
	return true
}

func scatter2x2Row(src, top, bot, otop, obot []float32, ow, c int) bool {
	if !poolAVX512 || c%16 != 0 || ow == 0 || c == 0 {
		return false
	}
	_, _, _, _, _ = src[ow*c-1], top[2*ow*c-1], bot[2*ow*c-1], otop[2*ow*c-1], obot[2*ow*c-1]
	scatter2x2RowZ(&src[0], &top[0], &bot[0], &otop[0], &obot[0], ow, c)
	return true
}
