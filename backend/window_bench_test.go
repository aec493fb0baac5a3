package backend

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// BenchmarkPool times the model's first pooling, [128, 28, 28, 16] in 2x2
// windows, forward and gradient, on the 2x2 path and on the general
// offset-table loops it replaces (side by side in one run).
func BenchmarkPool(b *testing.B) {
	dims := []int{128, 28, 28, 16}
	grid := []int{128, 14, 14, 16}
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 128*28*28*16)
	for i := range x {
		x[i] = r.Float32()
	}
	src := make([]float32, 128*14*14*16)
	out := make([]float32, len(x))
	for _, path := range []string{"2x2", "general"} {
		for _, scatter := range []bool{false, true} {
			name := path + "/forward"
			if scatter {
				name = path + "/gradient"
			}
			b.Run(name, func(b *testing.B) {
				w := &window{xShape: shapes.Make(dtypes.Float32, dims...), grid: grid, dims: []int{1, 2, 2, 1}, strides: []int{1, 2, 2, 1}, scatter: scatter}
				if path == "general" {
					w.dims, w.strides = []int{1, 2, 2, 1, 1}[:4], []int{1, 2, 2, 1, 1}[:4]
					w.forceGeneral = true
				}
				for range b.N {
					w.run(x, src, out[:len(x)])
				}
			})
		}
	}
}
