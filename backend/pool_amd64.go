//go:build amd64 && !purego

package backend

import "golang.org/x/sys/cpu"

// poolAVX512 and poolAVX2 report whether the 2x2 pooling rows run on the
// AVX-512 loops (pool_amd64.s) or, without them, the AVX2 loops
// (pool_avx2_amd64.s); tests switch them off to compare with the Go loops.
var (
	poolAVX512 = cpu.X86.HasAVX512F
	poolAVX2   = cpu.X86.HasAVX2
)

//go:noescape
func pool2x2RowZ(out, top, bot *float32, ow, c int)

//go:noescape
func scatter2x2RowZ(src, top, bot, otop, obot *float32, ow, c int)

//go:noescape
func pool2x2RowY(out, top, bot *float32, ow, c int)

//go:noescape
func scatter2x2RowY(src, top, bot, otop, obot *float32, ow, c int)

// poolVec is which vector rows take c channels: AVX-512 (z) where c is a
// multiple of 16, AVX2 where it is a multiple of 8, none (ok false).
func poolVec(c int) (z, ok bool) {
	switch {
	case c == 0:
		return false, false
	case poolAVX512 && c%16 == 0:
		return true, true
	case poolAVX2 && c%8 == 0:
		return false, true
	}
	return false, false
}

// pool2x2Row and scatter2x2Row run a row of windows (see run2x2) on the
// vector loops and report true, or report false (the caller loops in Go)
// when poolVec takes no vector loop for c or the row is empty.
func pool2x2Row(out, top, bot []float32, ow, c int) bool {
	z, ok := poolVec(c)
	if !ok || ow == 0 {
		return false
	}
	_, _, _ = out[ow*c-1], top[2*ow*c-1], bot[2*ow*c-1]
	if z {
		pool2x2RowZ(&out[0], &top[0], &bot[0], ow, c)
	} else {
		pool2x2RowY(&out[0], &top[0], &bot[0], ow, c)
	}
	return true
}

func scatter2x2Row(src, top, bot, otop, obot []float32, ow, c int) bool {
	z, ok := poolVec(c)
	if !ok || ow == 0 {
		return false
	}
	_, _, _, _, _ = src[ow*c-1], top[2*ow*c-1], bot[2*ow*c-1], otop[2*ow*c-1], obot[2*ow*c-1]
	if z {
		scatter2x2RowZ(&src[0], &top[0], &bot[0], &otop[0], &obot[0], ow, c)
	} else {
		scatter2x2RowY(&src[0], &top[0], &bot[0], &otop[0], &obot[0], ow, c)
	}
	return true
}
