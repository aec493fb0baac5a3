package backend

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// BenchmarkKernelGradient times the kernel gradients of the seed model's
// convolutions at batch 128 on the path the step takes (the shifted runs
// for the one-channel layer, im2col for the others) and, noShift, always
// on im2col.
func BenchmarkKernelGradient(b *testing.B) {
	axes := backends.ConvolveAxesConfig{InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1}}
	for _, tc := range []struct {
		in, k []int
		pad   int
	}{
		{[]int{128, 28, 28, 1}, []int{128, 28, 28, 16}, 1},
		{[]int{128, 14, 14, 16}, []int{128, 14, 14, 32}, 1},
		{[]int{128, 7, 7, 32}, []int{128, 7, 7, 64}, 1},
		{[]int{128, 5, 5, 64}, []int{128, 7, 7, 32}, 2},
	} {
		for _, noShift := range []bool{false, true} {
			b.Run(fmt.Sprintf("%v/noShift=%v", tc.in, noShift), func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
				pads := [][2]int{{tc.pad, tc.pad}, {tc.pad, tc.pad}}
				c := &convolution{inShape: x.shape(), kShape: k.shape(), axes: axes, strides: []int{1, 1},
					pads: pads, inDil: []int{1, 1}, kDil: []int{1, 1}, noShift: noShift}
				c.outShape = c.inShape.Clone()
				c.outShape.Dimensions = []int{3, 3, tc.in[3], tc.k[3]}
				out := make([]float32, c.outShape.Size())
				c.run(x.data, k.data, out)
				b.ResetTimer()
				for range b.N {
					c.run(x.data, k.data, out)
				}
			})
		}
	}
}

// BenchmarkSingleChannelConvolution times the model's first convolution
// at batch 128 on the runs path and on im2col (noShift).
func BenchmarkSingleChannelConvolution(b *testing.B) {
	axes := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2}}
	for _, noShift := range []bool{false, true} {
		b.Run(fmt.Sprintf("noShift=%v", noShift), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			x, k := randTensor(r, 128, 28, 28, 1), randTensor(r, 3, 3, 1, 16)
			c := &convolution{inShape: x.shape(), kShape: k.shape(), axes: axes, strides: []int{1, 1},
				pads: [][2]int{{1, 1}, {1, 1}}, inDil: []int{1, 1}, kDil: []int{1, 1}, noShift: noShift}
			c.outShape = c.inShape.Clone()
			c.outShape.Dimensions = []int{128, 28, 28, 16}
			out := make([]float32, c.outShape.Size())
			c.run(x.data, k.data, out)
			b.ResetTimer()
			for range b.N {
				c.run(x.data, k.data, out)
			}
		})
	}
}
