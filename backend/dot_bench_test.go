package backend

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// BenchmarkDotShapes times the matrix products of one training step of the
// seed model at batch 128 (im2col form), forward and both gradients, on
// hourglass's kernels and on simplego's side by side (whole graph
// executions, transfers included).
func BenchmarkDotShapes(b *testing.B) {
	for _, kernels := range []string{"hourglass", "simplego"} {
		be, err := NewGo(DefaultGoConfig + ",kernels=" + kernels)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(kernels, func(b *testing.B) { benchDotShapes(b, be) })
	}
}

func benchDotShapes(b *testing.B, be backends.Backend) {
	for _, s := range [][3]int{{100352, 9, 16}, {25088, 144, 32}, {6272, 288, 64}, {1152, 64, 288}, {6272, 32, 64}, {25088, 16, 4}} {
		m, k, n := s[0], s[1], s[2]
		a := tensors.FromFlatDataAndDimensions(make([]float32, m*k), m, k)
		w := tensors.FromFlatDataAndDimensions(make([]float32, k*n), k, n)
		v := tensors.FromFlatDataAndDimensions(make([]float32, m*n), m, n)
		forms := map[string]func(a, w, v *Node) *Node{
			"fwd": func(a, w, v *Node) *Node { return Dot(a, w) },
			"dA":  func(a, w, v *Node) *Node { return DotGradients(a, w, v)[0] },
			"dB":  func(a, w, v *Node) *Node { return DotGradients(a, w, v)[1] },
		}
		for _, name := range []string{"fwd", "dA", "dB"} {
			f := forms[name]
			exec := MustNewExec(be, f)
			exec.MustExec(a, w, v) // compile
			b.Run(fmt.Sprintf("%dx%dx%d/%s", m, k, n, name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					exec.MustExec(a, w, v)
				}
				b.ReportMetric(float64(2*m*k*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
