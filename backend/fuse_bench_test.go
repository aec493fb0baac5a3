package backend

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// BenchmarkFusedReLUGradient times the largest fused step of a training
// step: a ReLU's gradient after a bias add on [128, 14, 14, 16] (the
// mask recomputed from the pre-activation), fused (kernels=hourglass)
// and one operation at a time on simplego (kernels=simplego).
func BenchmarkFusedReLUGradient(b *testing.B) {
	for _, config := range []string{"kernels=hourglass", "kernels=simplego"} {
		b.Run(config, func(b *testing.B) {
			be, err := newGo(config)
			if err != nil {
				b.Fatal(err)
			}
			full := shapes.Make(dtypes.Float32, 128, 14, 14, 16)
			sb := be.Builder("relu").(*stagedBuilder)
			m := func(op backends.Op, err error) backends.Op {
				if err != nil {
					b.Fatal(err)
				}
				return op
			}
			x := m(sb.Parameter("x", full, nil))
			g := m(sb.Parameter("g", full, nil))
			bias := m(sb.Parameter("bias", shapes.Make(dtypes.Float32, 16), nil))
			zero := m(sb.Constant([]float32{0}))
			pre := m(sb.Add(x, m(sb.BroadcastInDim(bias, full, []int{3}))))
			out := m(sb.Where(m(sb.GreaterOrEqual(pre, m(sb.BroadcastInDim(zero, full, nil)))), g, zero))
			exe, err := sb.Compile([]backends.Op{out}, nil)
			if err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			var bufs []backends.Buffer
			for _, t := range []tensor{randTensor(r, full.Dimensions...), randTensor(r, full.Dimensions...), randTensor(r, 16)} {
				buf, err := be.BufferFromFlatData(0, t.data, t.shape())
				if err != nil {
					b.Fatal(err)
				}
				bufs = append(bufs, buf)
			}
			b.ResetTimer()
			for range b.N {
				res, err := exe.Execute(bufs, nil, 0)
				if err != nil {
					b.Fatal(err)
				}
				_ = be.BufferFinalize(res[0])
			}
		})
	}
}
