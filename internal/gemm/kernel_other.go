//go:build !amd64 || purego

package gemm

// Accelerated reports whether the assembly micro-kernel runs; never in
// this build.
var Accelerated = false

func kernel(kn int, a, b, c []float32, ldc int, acc bool) {
	kernelGo(kn, a, b, c, ldc, acc)
}
