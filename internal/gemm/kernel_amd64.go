//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// Accelerated reports whether the assembly micro-kernel runs (AVX2 + FMA).
var Accelerated = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func kernel6x16s(kn int, a *float32, rs, ks int, b, c *float32, ldc int, acc int)

func kernelStrided(kn int, a []float32, rs, ks int, b, c []float32, ldc int, acc bool) {
	if !Accelerated {
		kernelStridedGo(kn, a, rs, ks, b, c, ldc, acc)
		return
	}
	_ = a[(mr-1)*rs+(kn-1)*ks]
	_ = b[kn*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	f := 0
	if acc {
		f = 1
	}
	kernel6x16s(kn, &a[0], rs, ks, &b[0], &c[0], ldc, f)
}
