package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"

	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// convCase is one ConvGeneral, compared with simplego's.
type convCase struct {
	name        string
	in, k       []int
	axes        backends.ConvolveAxesConfig
	strides     []int
	pads        [][2]int
	inDil, kDil []int
}

// build is the graph of the case's ConvGeneral of its two inputs.
func (tc convCase) build(t *testing.T) func(b *stagedBuilder, in []backends.Op) []backends.Op {
	return func(b *stagedBuilder, in []backends.Op) []backends.Op {
		return []backends.Op{must(t)(b.ConvGeneral(in[0], in[1], tc.axes, tc.strides, tc.pads, tc.inDil, tc.kDil, 1, 1))}
	}
}

// TestConvolutionStep compares the convolution step with simplego's own
// ConvGeneral (the same graph on a kernels=simplego backend) over layouts
// and settings: NHWC and NCHW, the swapped axes GoMLX uses for a kernel's
// gradient, strides, paddings (negative too), kernel and input dilations,
// one and three spatial axes. Tolerance 1e-4 absolute on sums of a few
// hundred products of values in [-1, 1] (float32, different order).
func TestConvolutionStep(t *testing.T) {
	nhwc := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2}}
	nchw := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
		KernelInputChannels: 1, KernelOutputChannels: 0, KernelSpatial: []int{2, 3},
		OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3}}
	// GoMLX's gradient with respect to an NHWC convolution's kernel.
	kgrad := backends.ConvolveAxesConfig{InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1}}
	// The same with the kernel (the output gradient) stored [oc, k..., ic].
	kgrad2 := kgrad
	kgrad2.KernelOutputChannels, kgrad2.KernelInputChannels = 0, 3
	oneD := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 2, InputSpatial: []int{1},
		KernelInputChannels: 1, KernelOutputChannels: 2, KernelSpatial: []int{0},
		OutputBatch: 0, OutputChannels: 2, OutputSpatial: []int{1}}
	threeD := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 4, InputSpatial: []int{1, 2, 3},
		KernelInputChannels: 3, KernelOutputChannels: 4, KernelSpatial: []int{0, 1, 2},
		OutputBatch: 0, OutputChannels: 4, OutputSpatial: []int{1, 2, 3}}
	cases := []convCase{
		{"nhwc same 3x3", []int{3, 7, 6, 4}, []int{3, 3, 4, 5}, nhwc, nil, [][2]int{{1, 1}, {1, 1}}, nil, nil},
		{"nhwc one channel", []int{2, 9, 9, 1}, []int{3, 3, 1, 16}, nhwc, nil, [][2]int{{1, 1}, {1, 1}}, nil, nil},
		{"nhwc stride 2", []int{2, 9, 8, 3}, []int{3, 2, 3, 4}, nhwc, []int{2, 3}, [][2]int{{0, 1}, {2, 0}}, nil, nil},
		{"nhwc negative pad", []int{2, 8, 8, 2}, []int{3, 3, 2, 3}, nhwc, nil, [][2]int{{-1, 1}, {1, -2}}, nil, nil},
		{"nhwc kernel dilation", []int{2, 9, 9, 2}, []int{3, 3, 2, 3}, nhwc, nil, [][2]int{{2, 2}, {0, 0}}, nil, []int{2, 3}},
		{"nhwc input dilation", []int{2, 4, 5, 3}, []int{3, 3, 3, 2}, nhwc, nil, [][2]int{{2, 2}, {1, 2}}, []int{2, 3}, nil},
		{"nchw", []int{2, 3, 6, 7}, []int{4, 3, 3, 2}, nchw, []int{1, 2}, [][2]int{{1, 1}, {0, 1}}, nil, nil},
		{"kernel gradient", []int{4, 7, 7, 3}, []int{4, 7, 7, 5}, kgrad, nil, [][2]int{{1, 1}, {1, 1}}, nil, nil},
		{"kernel gradient, long contraction", []int{16, 12, 12, 2}, []int{16, 10, 10, 3}, kgrad, nil, nil, nil, nil},
		{"kernel gradient, kernel copied", []int{16, 12, 12, 2}, []int{3, 10, 10, 16}, kgrad2, nil, nil, nil, nil},
		{"kernel gradient, one channel", []int{8, 9, 9, 1}, []int{8, 9, 9, 4}, kgrad, nil, [][2]int{{1, 1}, {1, 1}}, nil, nil},
		{"1-D", []int{3, 11, 2}, []int{4, 2, 3}, oneD, []int{2}, [][2]int{{1, 2}}, nil, []int{2}},
		{"3-D", []int{2, 4, 5, 3, 2}, []int{2, 3, 2, 2, 3}, threeD, nil, [][2]int{{0, 1}, {1, 1}, {0, 0}}, nil, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 99))
			x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
			build := tc.build(t)
			got, b := stagedRun(t, "kernels=hourglass", build, x, k)
			if n := b.countSteps(func(st step) bool { return st.conv != nil }); n != 1 {
				t.Fatalf("%d convolution steps, want 1", n)
			}
			want, _ := stagedRun(t, "kernels=simplego", build, x, k)
			if fmt.Sprint(got[0].dims) != fmt.Sprint(want[0].dims) {
				t.Fatalf("dims %v, simplego %v", got[0].dims, want[0].dims)
			}
			nonzero := 0
			for j := range want[0].data {
				if math.Abs(float64(got[0].data[j]-want[0].data[j])) > 1e-4 {
					t.Fatalf("[%d] = %v, simplego %v", j, got[0].data[j], want[0].data[j])
				}
				if want[0].data[j] != 0 {
					nonzero++
				}
			}
			if nonzero == 0 {
				t.Fatal("the output is all zeros: the comparison proves nothing")
			}
		})
	}
}

// TestWindowSteps compares the max-pooling steps (ReduceWindow max and
// SelectAndScatterMax) with simplego's ReduceWindow and the filled-in
// SelectAndScatterMax (kernels=simplego), on values with many ties, with
// overlapping windows, and with windows overlapping along the first axis
// (which must not run in parallel). Exact equality: both pick the same
// elements and add the same values in the same order per element, except
// overlapping scatters, which are sums of at most a few values in [-1, 1]
// (tolerance 1e-6).
func TestWindowSteps(t *testing.T) {
	cases := []struct {
		name            string
		in, win, stride []int
	}{
		{"2x2 pool NHWC", []int{3, 8, 8, 5}, []int{1, 2, 2, 1}, []int{1, 2, 2, 1}},
		{"2x2 pool floor 7->3", []int{2, 7, 7, 4}, []int{1, 2, 2, 1}, []int{1, 2, 2, 1}},
		{"3x3 stride 2 (overlapping)", []int{2, 9, 7, 3}, []int{1, 3, 3, 1}, []int{1, 2, 2, 1}},
		{"first axis overlapping", []int{6, 5}, []int{3, 2}, []int{1, 1}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			x := seq(tc.in...)
			for j := range x.data {
				x.data[j] = float32(r.IntN(4)) / 4 // ties
			}
			grid := make([]int, len(tc.in))
			for d := range grid {
				grid[d] = (tc.in[d]-tc.win[d])/tc.stride[d] + 1
			}
			src := randTensor(r, grid...)
			build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
				m := must(t)
				pooled := m(b.ReduceWindow(in[0], backends.ReduceOpMax, tc.win, tc.stride, nil, nil, nil))
				grad := m(b.SelectAndScatterMax(in[0], in[1], tc.win, tc.stride, nil))
				return []backends.Op{pooled, grad}
			}
			got, b := stagedRun(t, "kernels=hourglass", build, x, src)
			if wins := b.countSteps(func(st step) bool { return st.win != nil }); wins != 2 {
				t.Fatalf("%d window steps, want 2", wins)
			}
			want, _ := stagedRun(t, "kernels=simplego", build, x, src)
			for k := range 2 {
				if fmt.Sprint(got[k].dims) != fmt.Sprint(want[k].dims) {
					t.Fatalf("output %d dims %v, simplego %v", k, got[k].dims, want[k].dims)
				}
				for j := range want[k].data {
					if math.Abs(float64(got[k].data[j]-want[k].data[j])) > 1e-6 {
						t.Fatalf("output %d [%d] = %v, simplego %v", k, j, got[k].data[j], want[k].data[j])
					}
				}
			}
		})
	}
}

// TestShiftedKernelGradient runs kernel gradients of the layouts GoMLX
// builds for stride-1 NHWC convolutions on the shifted-run path (one
// channel) and on the im2col path (noShift; the only one with more
// channels), and compares both with a float64 loop over the definition:
// the model's paddings (1 and 2), asymmetric and zero padding, one and two
// spatial axes, 3 to 64 output channels. Tolerance 1e-4 of the sum of absolute terms (float32 sums in
// different orders).
func TestShiftedKernelGradient(t *testing.T) {
	kgrad := func(n int) backends.ConvolveAxesConfig {
		a := backends.ConvolveAxesConfig{InputBatch: n + 1, InputChannels: 0, KernelInputChannels: 0,
			KernelOutputChannels: n + 1, OutputBatch: n, OutputChannels: n + 1}
		for d := range n {
			a.InputSpatial = append(a.InputSpatial, d+1)
			a.KernelSpatial = append(a.KernelSpatial, d+1)
			a.OutputSpatial = append(a.OutputSpatial, d)
		}
		return a
	}
	cases := []struct {
		name  string
		in, k []int // [ic, s..., b], [ic, k..., oc]
		pads  [][2]int
	}{
		{"one channel, pad 1", []int{8, 9, 9, 1}, []int{8, 9, 9, 16}, [][2]int{{1, 1}, {1, 1}}},
		{"16 channels to 32", []int{6, 7, 7, 16}, []int{6, 7, 7, 32}, [][2]int{{1, 1}, {1, 1}}},
		{"one channel to 64, 5x5 padded by 2", []int{7, 5, 5, 1}, []int{7, 7, 7, 64}, [][2]int{{2, 2}, {2, 2}}},
		{"asymmetric", []int{3, 8, 6, 1}, []int{3, 7, 4, 3}, [][2]int{{0, 1}, {2, 0}}},
		{"no padding, long contraction", []int{40, 12, 12, 1}, []int{40, 10, 10, 3}, nil},
		{"1-D", []int{9, 30, 1}, []int{9, 28, 6}, [][2]int{{1, 1}}},
		{"1-D, 16 channels", []int{9, 30, 1}, []int{9, 28, 16}, [][2]int{{1, 1}}},
		{"four taps, 32 channels", []int{4, 6, 6, 1}, []int{4, 5, 5, 32}, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
			n := len(tc.in) - 2
			axes := kgrad(n)
			want, abs := refKernelGradient(x, k, tc.pads)
			for _, path := range []string{"taps", "runs", "im2col"} {
				var conv *convolution
				build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
					out := must(t)(b.ConvGeneral(in[0], in[1], axes, nil, tc.pads, nil, nil, 1, 1))
					conv = b.steps[len(b.steps)-1].conv
					conv.noShift = path == "im2col"
					if path != "taps" {
						conv.taps = -1
					}
					return []backends.Op{out}
				}
				got, _ := stagedRun(t, "kernels=hourglass", build, x, k)
				g := conv.geometry()
				if want := tc.in[n+1] == 1; conv.shiftable(&g) != want {
					t.Fatalf("shiftable %v, want %v", !want, want)
				}
				if want := gemm.Accelerated && tc.k[n+1]%16 == 0 && path == "taps"; conv.useTaps(&g) != want {
					t.Fatalf("%s: useTaps %v, want %v", path, !want, want)
				}
				for j := range want {
					if math.Abs(float64(got[0].data[j])-want[j]) > 1e-4*max(1, abs[j]) {
						t.Fatalf("%s: [%d] = %v, want %v", path, j, got[0].data[j], want[j])
					}
				}
			}
		})
	}
}

// refKernelGradient is out[o..., b, oc] = sum over ic, k... of
// x[ic, o+k-padLo, b] * kern[ic, k, oc] in float64, with the sums of
// absolute terms.
func refKernelGradient(x, k tensor, pads [][2]int) (out, abs []float64) {
	n := len(x.dims) - 2
	ic, bsz, oc := x.dims[0], x.dims[n+1], k.dims[n+1]
	os := make([]int, n)
	taps := 1
	for d := range n {
		lo, hi := 0, 0
		if pads != nil {
			lo, hi = pads[d][0], pads[d][1]
		}
		os[d] = x.dims[d+1] + lo + hi - k.dims[d+1] + 1
		taps *= os[d]
	}
	xs, ks := strides(x.dims), strides(k.dims)
	out, abs = make([]float64, taps*bsz*oc), make([]float64, taps*bsz*oc)
	forEach(os, func(o []int) {
		oi := 0
		for d := range n {
			oi = oi*os[d] + o[d]
		}
		forEach(k.dims[1:n+1], func(kk []int) {
			xo, ko := 0, 0
			for d := range n {
				lo := 0
				if pads != nil {
					lo = pads[d][0]
				}
				p := o[d] + kk[d] - lo
				if p < 0 || p >= x.dims[d+1] {
					return
				}
				xo += p * xs[d+1]
				ko += kk[d] * ks[d+1]
			}
			for i := range ic {
				for b := range bsz {
					xv := float64(x.data[i*xs[0]+xo+b])
					for c := range oc {
						v := xv * float64(k.data[i*ks[0]+ko+c])
						out[(oi*bsz+b)*oc+c] += v
						abs[(oi*bsz+b)*oc+c] += math.Abs(v)
					}
				}
			}
		})
	})
	return out, abs
}

// TestSingleChannelConvolution compares one-channel NHWC convolutions on
// the runs path with simplego's ConvGeneral and with the im2col path
// (noShift): 3x3 with the model's padding, none, asymmetric, a 2x3
// kernel, 20 output channels (a packed kernel matrix), one and three
// spatial axes, images wider than a block. Tolerance 1e-4 (sums of up to
// 27 products of values in [-1, 1]).
func TestSingleChannelConvolution(t *testing.T) {
	cases := []struct {
		name  string
		in, k []int
		pads  [][2]int
	}{
		{"model's first layer", []int{3, 28, 28, 1}, []int{3, 3, 1, 16}, [][2]int{{1, 1}, {1, 1}}},
		{"no padding", []int{2, 9, 7, 1}, []int{3, 3, 1, 16}, nil},
		{"asymmetric, 2x3, 20 channels", []int{2, 8, 11, 1}, []int{2, 3, 1, 20}, [][2]int{{0, 1}, {2, 0}}},
		{"wide rows", []int{1, 3, 700, 1}, []int{3, 3, 1, 16}, [][2]int{{1, 1}, {1, 1}}},
		{"1-D", []int{4, 50, 1}, []int{5, 1, 32}, [][2]int{{2, 2}}},
		{"no padding, 32 channels, rows of 7", []int{3, 9, 9, 1}, []int{3, 3, 1, 32}, nil},
		{"3-D", []int{2, 5, 6, 7, 1}, []int{3, 2, 3, 1, 16}, [][2]int{{1, 1}, {0, 1}, {1, 1}}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 11))
			x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
			a := nhwcAxes(len(tc.in)-2, false)
			var outs [][]float32
			for _, config := range []string{"kernels=hourglass", "kernels=hourglass/noTaps", "kernels=hourglass/noShift", "kernels=simplego"} {
				var conv *convolution
				build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
					out := must(t)(b.ConvGeneral(in[0], in[1], a, nil, tc.pads, nil, nil, 1, 1))
					if config != "kernels=simplego" {
						conv = b.steps[len(b.steps)-1].conv
						conv.noShift = config == "kernels=hourglass/noShift"
						if config != "kernels=hourglass" {
							conv.taps = -1
						}
					}
					return []backends.Op{out}
				}
				got, _ := stagedRun(t, config[:len("kernels=")]+map[bool]string{true: "simplego", false: "hourglass"}[config == "kernels=simplego"], build, x, k)
				if conv != nil && !conv.noShift {
					g := conv.geometry()
					if !conv.singleChannel(&g) {
						t.Fatal("not taken by the one-channel path")
					}
					want := gemm.Accelerated && tc.k[len(tc.k)-1]%16 == 0 && len(tc.in) <= 4 && config == "kernels=hourglass"
					if conv.useTaps(&g) != want {
						t.Fatalf("%s: useTaps %v, want %v", config, !want, want)
					}
				}
				outs = append(outs, got[0].data)
			}
			for j := range outs[3] {
				for v, name := range []string{"taps", "runs", "im2col"} {
					if math.Abs(float64(outs[v][j]-outs[3][j])) > 1e-4 {
						t.Fatalf("%s: [%d] = %v, simplego %v", name, j, outs[v][j], outs[3][j])
					}
				}
			}
		})
	}
}

// TestConvolutionRuns compares NHWC convolutions with 8 or more input
// channels (whose im2col rows are copied in runs of neighbouring taps)
// with simplego's ConvGeneral: the model's layer shapes (small batches),
// no padding, asymmetric padding, padding 2 around a 5x5 input (the
// transposed layer), a kernel stored [k..., oc, ic] (as in input
// gradients), stride 2 and kernel dilation 2 (taps that are not
// neighbours), one and three spatial axes. Tolerance 1e-6 a product summed
// (float32 sums of values in [-1, 1] in different orders; an indexing
// mistake errs by O(1)).
func TestConvolutionRuns(t *testing.T) {
	cases := []struct {
		name          string
		in, k         []int
		pads          [][2]int
		swapped       bool
		strides, kDil []int
	}{
		{"second layer", []int{3, 14, 14, 16}, []int{3, 3, 16, 32}, [][2]int{{1, 1}, {1, 1}}, false, nil, nil},
		{"its input gradient", []int{2, 14, 14, 32}, []int{3, 3, 16, 32}, [][2]int{{1, 1}, {1, 1}}, true, nil, nil},
		{"third layer", []int{2, 7, 7, 32}, []int{3, 3, 32, 64}, [][2]int{{1, 1}, {1, 1}}, false, nil, nil},
		{"transposed layer", []int{2, 5, 5, 64}, []int{3, 3, 64, 32}, [][2]int{{2, 2}, {2, 2}}, false, nil, nil},
		{"no padding, 20 channels", []int{2, 9, 8, 8}, []int{3, 2, 8, 20}, nil, false, nil, nil},
		{"asymmetric", []int{2, 6, 9, 12}, []int{2, 3, 12, 16}, [][2]int{{0, 1}, {2, 0}}, false, nil, nil},
		{"stride 2", []int{2, 9, 10, 8}, []int{3, 3, 8, 16}, [][2]int{{1, 1}, {1, 1}}, false, []int{2, 2}, nil},
		{"kernel dilation 2", []int{2, 9, 10, 8}, []int{3, 3, 8, 16}, [][2]int{{2, 2}, {1, 1}}, false, nil, []int{2, 1}},
		{"1-D", []int{3, 40, 9}, []int{5, 9, 16}, [][2]int{{2, 1}}, false, nil, nil},
		{"3-D", []int{2, 4, 5, 6, 8}, []int{3, 2, 3, 8, 16}, [][2]int{{1, 1}, {0, 1}, {1, 1}}, false, nil, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 13))
			x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
			a := nhwcAxes(len(tc.in)-2, tc.swapped)
			build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
				return []backends.Op{must(t)(b.ConvGeneral(in[0], in[1], a, tc.strides, tc.pads, nil, tc.kDil, 1, 1))}
			}
			got, b := stagedRun(t, "kernels=hourglass", build, x, k)
			if n := b.countSteps(func(st step) bool { return st.conv != nil }); n != 1 {
				t.Fatalf("%d convolution steps, want 1", n)
			}
			want, _ := stagedRun(t, "kernels=simplego", build, x, k)
			terms := tc.k[len(tc.k)-2] // products a value sums: taps times input channels
			for _, d := range tc.k[:len(tc.k)-2] {
				terms *= d
			}
			for j := range want[0].data {
				if math.Abs(float64(got[0].data[j]-want[0].data[j])) > 1e-6*float64(terms) {
					t.Fatalf("[%d] = %v, simplego %v", j, got[0].data[j], want[0].data[j])
				}
			}
		})
	}
}

// nhwcAxes is the layout of an NHWC convolution with n spatial axes:
// input and output [b, s..., c], kernel [k..., ic, oc], or [k..., oc, ic]
// when swapped (as GoMLX lays out an input gradient's kernel).
func nhwcAxes(n int, swapped bool) backends.ConvolveAxesConfig {
	a := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: n + 1, KernelInputChannels: n, KernelOutputChannels: n + 1,
		OutputBatch: 0, OutputChannels: n + 1}
	if swapped {
		a.KernelInputChannels, a.KernelOutputChannels = n+1, n
	}
	for d := range n {
		a.InputSpatial = append(a.InputSpatial, d+1)
		a.KernelSpatial = append(a.KernelSpatial, d)
		a.OutputSpatial = append(a.OutputSpatial, d+1)
	}
	return a
}

// TestIndirectConvolution runs NHWC convolutions with at least 8 input
// channels on the indirect products (forced on, whatever the CPU) and on
// the gathered patches (forced off), against simplego's ConvGeneral
// (kernels=simplego): strides, paddings (negative too), kernel and input
// dilations, output channels that fill no panel or part of one, and row
// counts that end inside a tile. Tolerance as TestConvolutionStep's.
func TestIndirectConvolution(t *testing.T) {
	nhwc := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2}}
	// GoMLX's gradient with respect to an NHWC convolution's input: the
	// kernel's channel axes swapped.
	dx := nhwc
	dx.KernelInputChannels, dx.KernelOutputChannels = 3, 2
	cases := []convCase{
		{"same 3x3, 5 outputs", []int{2, 7, 6, 8}, []int{3, 3, 8, 5}, nhwc, nil, [][2]int{{1, 1}, {1, 1}}, nil, nil},
		{"strides, 33 outputs", []int{3, 9, 8, 16}, []int{3, 2, 16, 33}, nhwc, []int{2, 3}, [][2]int{{0, 1}, {2, 0}}, nil, nil},
		{"negative pad, 19 channels", []int{1, 8, 8, 19}, []int{3, 3, 19, 16}, nhwc, nil, [][2]int{{-1, 1}, {1, -2}}, nil, nil},
		{"kernel dilation", []int{2, 9, 9, 8}, []int{3, 3, 8, 17}, nhwc, nil, [][2]int{{2, 2}, {0, 0}}, nil, []int{2, 3}},
		{"input dilation", []int{2, 4, 5, 12}, []int{3, 3, 12, 7}, nhwc, nil, [][2]int{{2, 2}, {1, 2}}, []int{2, 3}, nil},
		{"input gradient layout", []int{5, 7, 7, 32}, []int{3, 3, 16, 32}, dx, nil, [][2]int{{1, 1}, {1, 1}}, nil, nil},
		{"25 rows, a partial tile", []int{1, 5, 5, 8}, []int{3, 3, 8, 16}, nhwc, nil, [][2]int{{1, 1}, {1, 1}}, nil, nil},
		{"one row", []int{1, 3, 3, 9}, []int{3, 3, 9, 4}, nhwc, nil, [][2]int{{0, 0}, {0, 0}}, nil, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 77))
			x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
			build := tc.build(t)
			want, _ := stagedRun(t, "kernels=simplego", build, x, k)
			ones := func(s []int) []int {
				if s == nil {
					return []int{1, 1}
				}
				return s
			}
			for _, ind := range []int{1, -1} {
				c := &convolution{inShape: x.shape(), kShape: k.shape(), outShape: want[0].shape(), axes: tc.axes,
					strides: ones(tc.strides), pads: tc.pads, inDil: ones(tc.inDil), kDil: ones(tc.kDil), indirect: ind, wino: -1}
				c.once.Do(func() { c.geo = c.geometry() })
				if !c.useIndirect(&c.geo) == (ind > 0) {
					t.Fatalf("indirect %d: useIndirect %v", ind, c.useIndirect(&c.geo))
				}
				got := make([]float32, len(want[0].data))
				for j := range got {
					got[j] = float32(math.NaN()) // must all be overwritten
				}
				c.run(x.data, k.data, got)
				for j, w := range want[0].data {
					if !(math.Abs(float64(got[j]-w)) <= 1e-4) {
						t.Fatalf("indirect %d: [%d] = %v, simplego %v", ind, j, got[j], w)
					}
				}
			}
		})
	}
}

// TestKernelGradientTiles runs kernel gradients of GoMLX's layout (input
// [N, H, W, C] with N as channels, output gradient [N, H', W', CO] as
// kernel) on runKernelGradTiles (forced on) and on runBatchInner (forced
// off) and compares both with simplego's ConvGeneral: the model's two
// multi-channel layers at small batches, channel counts that are not
// whole tiles (overlapping tiles), asymmetric and negative padding,
// strides and kernel dilations (a strided or dilated forward
// convolution), and taps whose every input lies in the padding.
// Tolerance 1e-4 absolute, as TestConvolutionStep's (sums of at most 600
// products of values in [-1, 1], float32, different order).
func TestKernelGradientTiles(t *testing.T) {
	kgrad := backends.ConvolveAxesConfig{InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1}}
	p1 := [][2]int{{1, 1}, {1, 1}}
	cases := []convCase{
		{"layer 2", []int{3, 14, 14, 16}, []int{3, 14, 14, 32}, kgrad, nil, p1, nil, nil},
		{"layer 3", []int{2, 7, 7, 32}, []int{2, 7, 7, 64}, kgrad, nil, p1, nil, nil},
		{"7 channels to 20", []int{2, 6, 5, 7}, []int{2, 6, 5, 20}, kgrad, nil, p1, nil, nil},
		{"negative and asymmetric padding", []int{2, 8, 8, 6}, []int{2, 7, 9, 16}, kgrad, nil, [][2]int{{-1, 1}, {2, 1}}, nil, nil},
		{"strides", []int{2, 9, 9, 6}, []int{2, 5, 7, 16}, kgrad, []int{2, 1}, [][2]int{{1, 1}, {0, 0}}, nil, nil},
		{"kernel dilation", []int{2, 9, 9, 6}, []int{2, 4, 4, 16}, kgrad, nil, [][2]int{{0, 1}, {1, 0}}, nil, []int{2, 2}},
		{"taps in the padding only", []int{1, 3, 3, 6}, []int{1, 3, 3, 16}, kgrad, nil, [][2]int{{3, 3}, {3, 3}}, nil, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 98))
			x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
			want, _ := stagedRun(t, "kernels=simplego", tc.build(t), x, k)
			for _, kg := range []int{1, -1} {
				var conv *convolution
				build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
					out := tc.build(t)(b, in)
					conv = b.steps[len(b.steps)-1].conv
					conv.kgrad = kg
					return out
				}
				got, _ := stagedRun(t, "kernels=hourglass", build, x, k)
				g := conv.geometry()
				if conv.kernelGradTiles(&g) != (kg > 0) {
					t.Fatalf("kgrad=%d: kernelGradTiles %v", kg, kg < 0)
				}
				conv.kgrad = 0 // the default: AVX2 kernels, at most kgradMaxOut outputs
				if want := gemm.Accelerated && !gemm.AVX512 && tc.k[3] <= kgradMaxOut; conv.kernelGradTiles(&g) != want {
					t.Fatalf("default: kernelGradTiles %v, want %v", !want, want)
				}
				for j := range want[0].data {
					if math.Abs(float64(got[0].data[j]-want[0].data[j])) > 1e-4 {
						t.Fatalf("kgrad=%d: [%d] = %v, simplego %v", kg, j, got[0].data[j], want[0].data[j])
					}
				}
			}
		})
	}
}

// TestWinogradConvolution runs 3x3 NHWC convolutions on Winograd's
// F(2x2, 3x3) and F(4x4, 3x3) transforms (forced on, so a purego build
// runs their Go transforms too) and off, against simplego's ConvGeneral: the model's layers forward and
// in the input gradient's layout (kernel channels swapped), odd sizes
// (partial tiles), no padding, asymmetric and wider padding, 8 and 24
// channels (a partial panel of outputs), more tiles than a block (blocks
// that end inside a row of tiles, for both), and images too narrow for any tile to
// lie inside them. Tolerance 1e-4 absolute, as
// TestConvolutionStep's: the transforms add and halve values in [-1, 1]
// before the products, so float32 sums differ from the direct ones in the
// last bits; 4e-4 for F(4x4, 3x3), whose transforms multiply by up to 8
// (its largest error here was 1.0e-4, F(2x2, 3x3)'s 1.9e-5).
func TestWinogradConvolution(t *testing.T) {
	fwd, dx := nhwcAxes(2, false), nhwcAxes(2, true)
	p1 := [][2]int{{1, 1}, {1, 1}}
	cases := []convCase{
		{"layer 2", []int{3, 14, 14, 16}, []int{3, 3, 16, 32}, fwd, nil, p1, nil, nil},
		{"layer 2 input gradient", []int{3, 14, 14, 32}, []int{3, 3, 16, 32}, dx, nil, p1, nil, nil},
		{"layer 3, odd", []int{2, 7, 7, 32}, []int{3, 3, 32, 64}, fwd, nil, p1, nil, nil},
		{"layer 3 input gradient", []int{2, 7, 7, 64}, []int{3, 3, 32, 64}, dx, nil, p1, nil, nil},
		{"no padding, 8 to 24", []int{2, 9, 6, 8}, []int{3, 3, 8, 24}, fwd, nil, nil, nil, nil},
		{"asymmetric, pad 2", []int{1, 5, 8, 24}, []int{3, 3, 24, 8}, fwd, nil, [][2]int{{0, 2}, {2, 1}}, nil, nil},
		{"many blocks", []int{9, 13, 30, 8}, []int{3, 3, 8, 16}, fwd, nil, p1, nil, nil},
		// F(4x4, 3x3)'s blocks of 72 tiles (F(2x2, 3x3)'s of 168) end
		// inside rows of 7 (13) tiles; above they end at rows' ends.
		{"many blocks, rows split", []int{9, 13, 26, 8}, []int{3, 3, 8, 16}, fwd, nil, p1, nil, nil},
		{"narrow: two columns", []int{2, 5, 2, 8}, []int{3, 3, 8, 8}, fwd, nil, p1, nil, nil},
		{"narrow: three columns, no padding", []int{1, 4, 3, 16}, []int{3, 3, 16, 8}, fwd, nil, nil, nil, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 78))
			x, k := randTensor(r, tc.in...), randTensor(r, tc.k...)
			want, _ := stagedRun(t, "kernels=simplego", tc.build(t), x, k)
			for _, w := range []int{1, -1, 4} {
				c := &convolution{inShape: x.shape(), kShape: k.shape(), outShape: want[0].shape(), axes: tc.axes,
					strides: []int{1, 1}, pads: tc.pads, inDil: []int{1, 1}, kDil: []int{1, 1}, wino: min(w, 1), wino4: -1}
				tol := 1e-4
				if w == 4 {
					c.wino4, tol = 1, 4e-4
				}
				if c.pads == nil {
					c.pads = [][2]int{{0, 0}, {0, 0}}
				}
				c.once.Do(func() { c.geo = c.geometry() })
				if c.winograd(&c.geo) != (w > 0) {
					t.Fatalf("wino %d: winograd %v", w, w < 0)
				}
				if w == 1 {
					c.wino = 0 // the default: wherever the assembly transforms run
					if c.winograd(&c.geo) != gemm.Accelerated {
						t.Fatalf("default: winograd %v on a CPU where the transforms' assembly runs: %v", !gemm.Accelerated, gemm.Accelerated)
					}
					c.wino = w
				}
				got := make([]float32, len(want[0].data))
				for j := range got {
					got[j] = float32(math.NaN()) // must all be overwritten
				}
				c.run(x.data, k.data, got)
				for j, v := range want[0].data {
					if !(math.Abs(float64(got[j]-v)) <= tol) {
						t.Fatalf("wino %d: [%d] = %v, simplego %v", w, j, got[j], v)
					}
				}
			}
		})
	}
}

// TestUseWino4: the default choice between F(4x4, 3x3) and F(2x2, 3x3) by
// the output's size (points counted by hand: 7x7 takes 4 tiles of 36
// points or 16 of 16, 56%; 14x14 16 of 36 or 49 of 16, 73%; 5x5 4 of 36
// or 9 of 16, 100%; 4x4 1 of 36 or 4 of 16, 56%; 6x8 4 of 36 or 12 of 16,
// 75%), and the tests' settings over it.
func TestUseWino4(t *testing.T) {
	for _, tc := range []struct {
		oh, ow, set int
		want        bool
	}{
		{7, 7, 0, true}, {14, 14, 0, false}, {5, 5, 0, false}, {4, 4, 0, true}, {6, 8, 0, false}, {28, 28, 0, true},
		{14, 14, 1, true}, {7, 7, -1, false},
	} {
		c := &convolution{wino4: tc.set}
		g := &convGeometry{outSp: []int{tc.oh, tc.ow}}
		if got := c.useWino4(g); got != tc.want {
			t.Errorf("%dx%d, wino4 %d: F(4x4, 3x3) %v, want %v", tc.oh, tc.ow, tc.set, got, tc.want)
		}
	}
}
