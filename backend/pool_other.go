//go:build !amd64 || purego

package backend

var poolAVX512, poolAVX2 = false, false

func pool2x2Row(out, top, bot []float32, ow, c int) bool { return false }

func scatter2x2Row(src, top, bot, otop, obot []float32, ow, c int) bool { return false }

func poolVec(c int) (z, ok bool) { return false, false }
