package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"

	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// Random shapes for the convolution paths of the afternoon's engine work,
// beyond their tests' fixed cases (first written by a reviewer to look
// for inputs that break them; none did).

// compareConvPath runs tc on hourglass's convolution with set applied
// (forcing a path), checks with check that the path is the one taken, and
// compares with simplego's ConvGeneral within tol.
func compareConvPath(t *testing.T, tc convCase, r *rand.Rand, set func(c *convolution), check func(c *convolution) bool, tol float64) {
	t.Helper()
	x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
	want, _ := stagedRun(t, "kernels=simplego", tc.build(t), x, k)
	var conv *convolution
	build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
		out := tc.build(t)(b, in)
		conv = b.steps[len(b.steps)-1].conv
		set(conv)
		return out
	}
	got, _ := stagedRun(t, "kernels=hourglass", build, x, k)
	if !check(conv) {
		t.Fatalf("%s: path not taken", tc.name)
	}
	for j := range want[0].data {
		if !(math.Abs(float64(got[0].data[j]-want[0].data[j])) <= tol) {
			t.Fatalf("%s: [%d] = %v, simplego %v", tc.name, j, got[0].data[j], want[0].data[j])
		}
	}
}

// TestWinogradRandomShapes: 3x3 convolutions forward and in the input
// gradient's layout on Winograd's transforms, F(2x2, 3x3) and F(4x4, 3x3)
// (forced), against simplego
// over random sizes 1-9 (odd, narrow, smaller than a tile), 8-24 input and
// 8-40 output channels and paddings 0-2 a side. Tolerance 2e-4 absolute
// (sums of up to 216 products of values in [-1, 1], transformed), 8e-4 for
// F(4x4, 3x3), whose transforms multiply by up to 8.
func TestWinogradRandomShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fwd, dx := nhwcAxes(2, false), nhwcAxes(2, true)
	for it := range 300 {
		N, H, W := 1+r.IntN(3), 1+r.IntN(9), 1+r.IntN(9)
		C, CO := 8*(1+r.IntN(3)), 8*(1+r.IntN(5))
		p := [][2]int{{r.IntN(3), r.IntN(3)}, {r.IntN(3), r.IntN(3)}}
		if H+p[0][0]+p[0][1] < 3 || W+p[1][0]+p[1][1] < 3 {
			continue
		}
		axes, kd := fwd, []int{3, 3, C, CO}
		if r.IntN(2) == 0 {
			axes, kd = dx, []int{3, 3, CO, C}
		}
		tc := convCase{fmt.Sprintf("%d: %dx%dx%dx%d -> %d pads %v", it, N, H, W, C, CO, p), []int{N, H, W, C}, kd, axes, nil, p, nil, nil}
		compareConvPath(t, tc, r, func(c *convolution) { c.wino, c.wino4 = 1, -1 }, func(c *convolution) bool { g := c.geometry(); return c.winograd(&g) }, 2e-4)
		tc.name += " F(4x4, 3x3)"
		compareConvPath(t, tc, r, func(c *convolution) { c.wino, c.wino4 = 1, 1 }, func(c *convolution) bool { g := c.geometry(); return c.winograd(&g) && c.useWino4(&g) }, 8e-4)
	}
}

// TestKernelGradientTilesRandomShapes: kernel gradients on the in-place
// tiles (forced) against simplego over random sizes, 6-20 input and 16-45
// output channels (overlapping tiles and panels), strides and dilations 1
// or 2 and paddings -1 to 3. Tolerance 1e-4 a summed term.
func TestKernelGradientTilesRandomShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ax := backends.ConvolveAxesConfig{InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1}}
	n := 0
	for it := range 2000 {
		if n >= 200 {
			break
		}
		N, H, W := 1+r.IntN(3), 1+r.IntN(9), 1+r.IntN(9)
		C, CO := 6+r.IntN(15), 16+r.IntN(30)
		KH, KW := 1+r.IntN(H+2), 1+r.IntN(W+2)
		s := []int{1 + r.IntN(2), 1 + r.IntN(2)}
		kd := []int{1 + r.IntN(2), 1 + r.IntN(2)}
		p := [][2]int{{r.IntN(5) - 1, r.IntN(5) - 1}, {r.IntN(5) - 1, r.IntN(5) - 1}}
		oh := (H+p[0][0]+p[0][1]-(KH-1)*kd[0]-1)/s[0] + 1
		ow := (W+p[1][0]+p[1][1]-(KW-1)*kd[1]-1)/s[1] + 1
		if H+p[0][0]+p[0][1]-(KH-1)*kd[0]-1 < 0 || W+p[1][0]+p[1][1]-(KW-1)*kd[1]-1 < 0 || oh < 1 || ow < 1 {
			continue
		}
		n++
		tc := convCase{fmt.Sprintf("%d: x %dx%dx%dx%d dy %dx%dx%d s %v kd %v pads %v", it, N, H, W, C, KH, KW, CO, s, kd, p), []int{N, H, W, C}, []int{N, KH, KW, CO}, ax, s, p, nil, kd}
		compareConvPath(t, tc, r, func(c *convolution) { c.kgrad = 1 }, func(c *convolution) bool { g := c.geometry(); return c.kernelGradTiles(&g) }, 1e-4*float64(N*KH*KW+1))
	}
	t.Logf("%d cases", n)
}

var kgradAxesNHWC = backends.ConvolveAxesConfig{InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
	KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
	OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1}}

// TestTapsRandomShapes: one-channel convolutions and their kernel
// gradients on the tap products (the default where their assembly runs;
// the check asserts it) against simplego over random sizes 1-12, kernels
// 1x1 to 4x4, 16-48 output channels and paddings 0-2. Tolerance 1e-4, and
// 1e-4 for every 50 summed terms of the gradients.
func TestTapsRandomShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for it := range 150 {
		N, H, W := 1+r.IntN(3), 1+r.IntN(12), 1+r.IntN(12)
		KH, KW := 1+r.IntN(4), 1+r.IntN(4)
		CO := 16 * (1 + r.IntN(3))
		p := [][2]int{{r.IntN(3), r.IntN(3)}, {r.IntN(3), r.IntN(3)}}
		if H+p[0][0]+p[0][1] < KH || W+p[1][0]+p[1][1] < KW {
			continue
		}
		tc := convCase{fmt.Sprintf("%d fwd: %dx%dx%d k %dx%dx%d pads %v", it, N, H, W, KH, KW, CO, p), []int{N, H, W, 1}, []int{KH, KW, 1, CO}, nhwcAxes(2, false), nil, p, nil, nil}
		compareConvPath(t, tc, r, func(c *convolution) {}, func(c *convolution) bool {
			g := c.geometry()
			return c.singleChannel(&g) && c.useTaps(&g) == gemm.Accelerated
		}, 1e-4)
		// shifted kernel gradient: x [1(ic)... ] per kgrad(n)
		oh, ow := H+p[0][0]+p[0][1]-KH+1, W+p[1][0]+p[1][1]-KW+1
		tc2 := convCase{fmt.Sprintf("%d kgrad", it), []int{N, H, W, 1}, []int{N, oh, ow, CO}, kgradAxesNHWC, nil, p, nil, nil}
		compareConvPath(t, tc2, r, func(c *convolution) {}, func(c *convolution) bool {
			g := c.geometry()
			return c.shiftable(&g) && c.useTaps(&g) == gemm.Accelerated
		}, 1e-4*float64(N*oh*ow/50+1))
	}
}
