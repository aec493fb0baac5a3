package model

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// paperAutoencoder is the builder of the paper's model as it stood before
// the model became a Spec (commit 3e23b4d's model.Autoencoder, with its
// transposed convolution below), kept verbatim so a test can show the Spec
// builds the same graph: the same losses and codes, bit for bit, at the
// same seed.
func paperAutoencoder(ctx *context.Context, images *Node) *Node {
	return paperDecoder(ctx, paperEncoder(ctx, images))
}

func paperEncoder(ctx *context.Context, images *Node) *Node {
	ctx = ctx.In(EncoderScope)
	b := images.Shape().Dimensions[0]
	images.AssertDims(b, 28, 28, 1)
	x, size := images, 28
	for i, filters := range []int{16, 32, 64} {
		scope := ctx.In(fmt.Sprintf("conv%d", i+1))
		x, size = ConvBlock(scope, x, filters), size/2
		x.AssertDims(b, size, size, filters)
	}
	x.AssertDims(b, 3, 3, 64)
	return Reshape(TransposeAllAxes(x, 0, 3, 1, 2), b, 576)
}

func paperDecoder(ctx *context.Context, codes *Node) *Node {
	ctx = ctx.In(DecoderScope)
	b := codes.Shape().Dimensions[0]
	x := TransposeAllAxes(Reshape(codes, b, 64, 3, 3), 0, 2, 3, 1)
	layers := []struct{ filters, k int }{{32, 3}, {16, 2}, {1, 2}}
	for i, l := range layers {
		scope := ctx.In(fmt.Sprintf("deconv%d", i+1))
		x = activations.Relu(oldConvTranspose2D(scope, x, l.filters, l.k, 2, 0, 0))
	}
	x.AssertDims(b, 28, 28, 1)
	return x
}

// ConvTranspose2D is PyTorch's ConvTranspose2d for NHWC tensors:
// out[b, s*i+kh-p, s*j+kw-p, co] += x[b, i, j, ci] * w[kh, kw, ci, co],
// output size (in-1)*s - 2p + k + outputPadding. Variables: weights
// [k, k, Cin, filters], biases [filters].
func oldConvTranspose2D(ctx *context.Context, x *Node, filters, k, stride, padding, outputPadding int) *Node {
	g := x.Graph()
	cin := x.Shape().Dimensions[3]
	// PyTorch takes fan_in from the weight's second axis: filters*k*k.
	bound := 1 / math.Sqrt(float64(filters*k*k))
	w := param(ctx, g, x.DType(), "weights", bound, k, k, cin, filters)
	b := param(ctx, g, x.DType(), "biases", bound, filters)
	var y *Node
	switch {
	case k == stride && padding == 0 && outputPadding == 0:
		y = oldDepthToSpace(ctx, x, w)
	case k%2 == 1 && padding <= k-1 && outputPadding == 0 && !useIm2col(ctx, g):
		y = oldDilatedConv(x, w, stride, padding, outputPadding)
	default:
		y = oldCol2im(ctx, x, w, stride, padding, outputPadding)
	}
	return addBias(y, b)
}

// dilatedConv computes a transposed convolution as an ordinary one:
// the input dilated by the stride (zeros between pixels, built from graph
// operations so it has a gradient; GoMLX defines none for ConvGeneral's
// own input dilation), padded by k-1-p (plus the output padding at the
// end) and correlated with the kernel flipped in space:
//
//	y[o] = sum over kh of x[(o+p-kh)/s] * w[kh]  (where s divides o+p-kh)
//
// which is out[s*i+kh-p] += x[i]*w[kh]. Backends that run ConvGeneral well
// take it; its gradients are ordinary convolutions too. Odd kernels and no
// output padding only: GoMLX's ConvGeneral gradient is off by one for even
// kernels and fails on the uneven padding an output padding needs.
func oldDilatedConv(x, w *Node, s, p, op int) *Node {
	lo := w.Shape().Dimensions[0] - 1 - p
	return Convolve(dilate(x, s), flipSpatial(w)).PaddingPerDim([][2]int{{lo, lo + op}, {lo, lo + op}}).Done()
}

// depthToSpace is the transposed convolution whose kernel equals its stride:
// windows do not overlap, so it is one matrix product and a reshape.
func oldDepthToSpace(ctx *context.Context, x, w *Node) *Node {
	d := x.Shape().Dimensions
	b, h, wd, cin := d[0], d[1], d[2], d[3]
	k, cout := w.Shape().Dimensions[0], w.Shape().Dimensions[3]
	wm := Reshape(TransposeAllAxes(w, 2, 0, 1, 3), cin, k*k*cout) // [cin, (kh, kw, co)]
	y := matmul(ctx, Reshape(x, b*h*wd, cin), wm)
	y = Reshape(y, b, h, wd, k, k, cout)
	y = TransposeAllAxes(y, 0, 1, 3, 2, 4, 5) // [b, h, kh, w, kw, co]
	return Reshape(y, b, h*k, wd*k, cout)
}

// col2im computes a transposed convolution as one matrix product, which
// gives every input pixel its k x k x Cout contributions, followed by an
// overlap-add: the contributions of kernel offset (kh, kw) land on the
// input grid dilated by the stride and shifted by (kh, kw). The output is
// that full frame from row and column p on, (in-1)*s - 2p + k + op long.
func oldCol2im(ctx *context.Context, x, w *Node, s, p, op int) *Node {
	d := x.Shape().Dimensions
	b, h, wd, cin := d[0], d[1], d[2], d[3]
	k, cout := w.Shape().Dimensions[0], w.Shape().Dimensions[3]
	wm := Reshape(TransposeAllAxes(w, 2, 0, 1, 3), cin, k*k*cout) // [cin, (kh, kw, co)]
	contrib := Reshape(matmul(ctx, Reshape(x, b*h*wd, cin), wm), b, h, wd, k*k, cout)
	fullH, fullW := (h-1)*s+k, (wd-1)*s+k
	var sum *Node
	for kh := 0; kh < k; kh++ {
		for kw := 0; kw < k; kw++ {
			c := Reshape(Slice(contrib, AxisRange(), AxisRange(), AxisRange(), AxisElem(kh*k+kw)), b, h, wd, cout)
			c = dilate(c, s)
			c = padAxes(c, [2]int{kh, fullH - kh - ((h-1)*s + 1)}, [2]int{kw, fullW - kw - ((wd-1)*s + 1)})
			if sum == nil {
				sum = c
			} else {
				sum = Add(sum, c)
			}
		}
	}
	// Output pixel y is full-frame pixel y+p; the frame ends p-op early, or
	// op-p zeros past its end.
	endH, endW := min(fullH, fullH-p+op), min(fullW, fullW-p+op)
	if p > 0 || endH < fullH || endW < fullW {
		sum = Slice(sum, AxisRange(), AxisRange(p, endH), AxisRange(p, endW))
	}
	if extra := op - p; extra > 0 {
		sum = padAxes(sum, [2]int{0, extra}, [2]int{0, extra})
	}
	return sum
}
