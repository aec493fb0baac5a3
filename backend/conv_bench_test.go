package backend

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// benchConv times a unit-stride 2-D convolution step of random inputs
// shaped in and k, padded by pad on every side, with the given output
// dimensions, on the path its shapes take (noShift: always im2col).
func benchConv(b *testing.B, in, k []int, axes backends.ConvolveAxesConfig, pad int, out []int, noShift bool) {
	benchConvWith(b, in, k, axes, pad, out, noShift, 0, 0)
}

// benchConvWith is benchConv with the convolution's indirect and taps
// settings, and any others set changes.
func benchConvWith(b *testing.B, in, k []int, axes backends.ConvolveAxesConfig, pad int, out []int, noShift bool, indirect, taps int, set ...func(*convolution)) {
	r := rand.New(rand.NewPCG(1, 2))
	x, kt := randTensor(r, in...), randTensor(r, k...)
	c := &convolution{inShape: x.shape(), kShape: kt.shape(), axes: axes, strides: []int{1, 1},
		pads: [][2]int{{pad, pad}, {pad, pad}}, inDil: []int{1, 1}, kDil: []int{1, 1}, noShift: noShift, indirect: indirect, taps: taps}
	for _, f := range set {
		f(c)
	}
	c.outShape = c.inShape.Clone()
	c.outShape.Dimensions = out
	y := make([]float32, c.outShape.Size())
	c.run(x.data, kt.data, y)
	b.ResetTimer()
	for range b.N {
		c.run(x.data, kt.data, y)
	}
}

// BenchmarkKernelGradient times the kernel gradients of the seed model's
// convolutions at batch 128 on the path the step takes (the tap products
// for the one-channel layer where their assembly runs, tiles read in place
// for the others where the AVX2 kernel runs), on the shifted runs
// (taps=false), on runBatchInner's gathered patches (tiles=false) and,
// noShift, always on im2col.
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
				benchConv(b, tc.in, tc.k, axes, tc.pad, []int{3, 3, tc.in[3], tc.k[3]}, noShift)
			})
		}
		if tc.in[3] >= 6 {
			b.Run(fmt.Sprintf("%v/tiles=false", tc.in), func(b *testing.B) {
				benchConvWith(b, tc.in, tc.k, axes, tc.pad, []int{3, 3, tc.in[3], tc.k[3]}, false, 0, 0, func(c *convolution) { c.kgrad = -1 })
			})
		}
		if tc.in[3] == 1 {
			b.Run(fmt.Sprintf("%v/taps=false", tc.in), func(b *testing.B) {
				benchConvWith(b, tc.in, tc.k, axes, tc.pad, []int{3, 3, tc.in[3], tc.k[3]}, false, 0, -1)
			})
		}
	}
}

// BenchmarkSingleChannelConvolution times the model's first convolution
// at batch 128 on the tap products (where their assembly runs), the runs
// path and im2col (noShift).
func BenchmarkSingleChannelConvolution(b *testing.B) {
	for _, path := range []string{"taps", "runs", "im2col"} {
		b.Run(path, func(b *testing.B) {
			taps := map[bool]int{true: 0, false: -1}[path == "taps"]
			benchConvWith(b, []int{128, 28, 28, 1}, []int{3, 3, 1, 16}, nhwcAxes(2, false), 1, []int{128, 28, 28, 16}, path == "im2col", 0, taps)
		})
	}
}

// BenchmarkConvolution times the seed model's multi-channel convolutions
// at batch 128, forward and input gradients, on Winograd's transforms
// (where the shapes allow), the indirect products and gathered patches.
func BenchmarkConvolution(b *testing.B) {
	fwd, grad := nhwcAxes(2, false), nhwcAxes(2, true)
	for _, tc := range []struct {
		name  string
		in, k []int
		pad   int
		axes  backends.ConvolveAxesConfig
	}{
		{"layer2", []int{128, 14, 14, 16}, []int{3, 3, 16, 32}, 1, fwd},
		{"layer2-dX", []int{128, 14, 14, 32}, []int{3, 3, 16, 32}, 1, grad},
		{"layer3", []int{128, 7, 7, 32}, []int{3, 3, 32, 64}, 1, fwd},
		{"layer3-dX", []int{128, 7, 7, 64}, []int{3, 3, 32, 64}, 1, grad},
		{"transposed", []int{128, 5, 5, 64}, []int{3, 3, 64, 32}, 2, fwd},
		{"transposed-dX", []int{128, 7, 7, 32}, []int{3, 3, 64, 32}, 0, grad},
	} {
		for _, path := range []string{"winograd4", "winograd", "indirect", "gathered"} {
			b.Run(fmt.Sprintf("%s/%s", tc.name, path), func(b *testing.B) {
				oc := tc.k[tc.axes.KernelOutputChannels]
				ind := map[bool]int{true: 1, false: -1}[path == "indirect"]
				wino := map[bool]int{true: 1, false: -1}[strings.HasPrefix(path, "winograd")]
				wino4 := map[bool]int{true: 1, false: -1}[path == "winograd4"]
				benchConvWith(b, tc.in, tc.k, tc.axes, tc.pad, []int{128, tc.in[1] + 2*tc.pad - 2, tc.in[2] + 2*tc.pad - 2, oc}, false, ind, 0,
					func(c *convolution) { c.wino, c.wino4 = wino, wino4 })
			})
		}
	}
}
