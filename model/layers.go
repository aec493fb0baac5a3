package model

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"

	"github.com/hourglass-ml/hourglass/backend"
)

// param creates (or reuses) a variable initialised uniformly in
// [-bound, bound], as PyTorch's default layer initialisation does, and
// returns its value in g.
func param(ctx *context.Context, g *Graph, dtype dtypes.DType, name string, bound float64, dims ...int) *Node {
	v := ctx.WithInitializer(initializers.RandomUniformFn(ctx, -bound, bound)).
		VariableWithShape(name, shapes.Make(dtype, dims...))
	value := v.ValueGraph(g)
	if scale := context.GetParamOr(ctx, ParamStepScale, 1.0); scale != 1 && v.Trainable {
		// w = anchor + scale*(v - anchor), with the anchor fixed at v's value
		// when the graph was first built: an optimiser's steps on v move w
		// scale times as far, whatever the optimiser (Adam ignores gradient
		// scale, so scaling gradients would not do).
		start, err := v.MustValue().Clone()
		if err != nil {
			panic(err) // graph building reports errors by panicking, as GoMLX does
		}
		anchor := ctx.Checked(false).VariableWithValue(name+"_anchor", start).SetTrainable(false)
		a := anchor.ValueGraph(g)
		value = Add(a, MulScalar(Sub(value, a), scale))
	}
	return value
}

// ParamStepScale, set in a scope of the context, makes that scope's
// weights move ParamStepScale times as far per optimiser step: a lower
// learning rate for part of a model (finetune's "unfrozen" encoder).
const ParamStepScale = "hourglass_step_scale"

// ParamConvForm is the context parameter choosing how convolutions run:
// "auto" (im2col where backend.PrefersIm2col, ConvGeneral elsewhere),
// "im2col", "convgeneral" (transposed convolutions as convolutions of the
// dilated input), or "overlap" (ConvGeneral, with every transposed
// convolution but the kernel-equals-stride ones as overlapAdd). "auto"
// takes overlapAdd where it does fewer products than the dilated form.
const ParamConvForm = "hourglass_conv_form"

// convForm is ParamConvForm's value.
func convForm(ctx *context.Context) string {
	return context.GetParamOr(ctx, ParamConvForm, "auto")
}

// useIm2col reports whether convolutions should be im2col matrix products
// rather than ConvGeneral.
func useIm2col(ctx *context.Context, g *Graph) bool {
	switch convForm(ctx) {
	case "im2col":
		return true
	case "convgeneral", "overlap":
		return false
	}
	return backend.PrefersIm2col(g.Backend())
}

// ParamStock, when true in the context, builds the unimproved GoMLX path
// for comparison: matrix products as DotGeneral (whose GoMLX gradient is a
// broadcast multiply and sum) instead of Dot, and the encoder from
// layers.Convolution and MaxPool (see StockAutoencoder).
const ParamStock = "hourglass_stock"

// matmul is a [m, k] x [k, n] product.
func matmul(ctx *context.Context, a, b *Node) *Node {
	if context.GetParamOr(ctx, ParamStock, false) {
		return DotGeneral(a, []int{1}, nil, b, []int{0}, nil)
	}
	return Dot(a, b)
}

// Conv2D is a stride-1 convolution with a k x k kernel and "same" zero
// padding, plus bias: x [B, H, W, Cin] -> [B, H, W, filters]. Variables in
// ctx: weights [k, k, Cin, filters], biases [filters].
func Conv2D(ctx *context.Context, x *Node, filters, k int) *Node {
	y, b := conv2DNoBias(ctx, x, filters, k)
	return addBias(y, b)
}

// conv2DNoBias is Conv2D without adding the bias, which it returns.
func conv2DNoBias(ctx *context.Context, x *Node, filters, k int) (y, bias *Node) {
	g := x.Graph()
	cin := x.Shape().Dimensions[3]
	bound := 1 / math.Sqrt(float64(cin*k*k))
	w := param(ctx, g, x.DType(), "weights", bound, k, k, cin, filters)
	b := param(ctx, g, x.DType(), "biases", bound, filters)
	lo := (k - 1) / 2
	if k%2 == 1 && !useIm2col(ctx, g) {
		// ConvGeneral pads by itself (see convValid for even kernels).
		return Convolve(x, w).PaddingPerDim([][2]int{{lo, k - 1 - lo}, {lo, k - 1 - lo}}).Done(), b
	}
	return convValid(ctx, padZeros(x, lo, k-1-lo), w), b
}

// ConvBlock is one encoder block: Conv2D (3x3, same) + ReLU + MaxPool2,
// [B, H, W, Cin] -> [B, H/2, W/2, filters]. It adds the bias and applies
// ReLU after pooling, on a quarter of the values: the same function, since
// max(a+b, c+b) = max(a, c)+b exactly in floating point (rounding is
// monotonic) and ReLU, being monotonic, commutes with max.
func ConvBlock(ctx *context.Context, x *Node, filters int) *Node {
	y, b := conv2DNoBias(ctx, x, filters, 3)
	return activations.Relu(addBias(maxPool2(!useIm2col(ctx, x.Graph()), y), b))
}

// convValid is an unpadded stride-1 convolution: x [B, H, W, Cin],
// w [k, k, Cin, Cout] -> [B, H-k+1, W-k+1, Cout].
func convValid(ctx *context.Context, x, w *Node) *Node {
	dims := x.Shape().Dimensions
	b, h, wd, cin := dims[0], dims[1], dims[2], dims[3]
	k, cout := w.Shape().Dimensions[0], w.Shape().Dimensions[3]
	oh, ow := h-k+1, wd-k+1
	// GoMLX v0.26.0's gradient of ConvGeneral with respect to its input is
	// off by one row and column for even kernels (it centres the kernel at
	// (k-1)/2), so even kernels always take the im2col form.
	if k%2 == 1 && !useIm2col(ctx, x.Graph()) {
		return Convolve(x, w).NoPadding().Done()
	}
	// im2col: the k*k shifted views side by side on the channel axis, in
	// (kh, kw, cin) order to match w's layout, then one matrix product.
	cols := make([]*Node, 0, k*k)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			cols = append(cols, Slice(x, AxisRange(), AxisRange(i, i+oh), AxisRange(j, j+ow), AxisRange()))
		}
	}
	patches := Reshape(Concatenate(cols, 3), b*oh*ow, k*k*cin)
	y := matmul(ctx, patches, Reshape(w, k*k*cin, cout))
	return Reshape(y, b, oh, ow, cout)
}

// padZeros pads the two spatial axes of x [B, H, W, C] with lo zeros before
// and hi after, by concatenation (differentiable on every backend).
func padZeros(x *Node, lo, hi int) *Node {
	return padAxes(x, [2]int{lo, hi}, [2]int{lo, hi})
}

func zerosLike(x *Node, axis, n int) *Node {
	s := x.Shape().Clone()
	s.Dimensions[axis] = n
	return Zeros(x.Graph(), s)
}

// MaxPool2 is 2x2 max pooling with stride 2 that drops an odd last row or
// column (PyTorch's floor mode): [B, H, W, C] -> [B, H/2, W/2, C]. It is a
// ReduceWindow (whose gradient is SelectAndScatterMax: the first maximum
// of each window, as PyTorch) except where backend.PrefersIm2col, where it
// is a reshape and ReduceMax (GoMLX's gradient of which goes to every tied
// maximum).
func MaxPool2(x *Node) *Node {
	return maxPool2(!backend.PrefersIm2col(x.Graph().Backend()), x)
}

func maxPool2(window bool, x *Node) *Node {
	if window {
		return MaxPool(x).Window(2).Strides(2).NoPadding().Done()
	}
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1]/2, dims[2]/2, dims[3]
	if dims[1]%2 != 0 || dims[2]%2 != 0 {
		x = Slice(x, AxisRange(), AxisRange(0, 2*h), AxisRange(0, 2*w), AxisRange())
	}
	return ReduceMax(Reshape(x, b, h, 2, w, 2, c), 2, 4)
}

// ConvTranspose2D is PyTorch's ConvTranspose2d for NHWC tensors:
// out[b, s*i+kh-p, s*j+kw-p, co] += x[b, i, j, ci] * w[kh, kw, ci, co],
// output size (in-1)*s - 2p + k + outputPadding. Variables: weights
// [k, k, Cin, filters], biases [filters].
func ConvTranspose2D(ctx *context.Context, x *Node, filters, k, stride, padding, outputPadding int) *Node {
	return ConvTranspose2DRect(ctx, x, filters, k, k, stride, padding, outputPadding)
}

// ConvTranspose2DRect is ConvTranspose2D with a kh x kw kernel (weights
// [kh, kw, Cin, filters]): the decoder's layer for a level whose height
// and width differ in parity.
func ConvTranspose2DRect(ctx *context.Context, x *Node, filters, kh, kw, stride, padding, outputPadding int) *Node {
	g := x.Graph()
	cin := x.Shape().Dimensions[3]
	// PyTorch takes fan_in from the weight's second axis: filters*kh*kw.
	bound := 1 / math.Sqrt(float64(filters*kh*kw))
	w := param(ctx, g, x.DType(), "weights", bound, kh, kw, cin, filters)
	b := param(ctx, g, x.DType(), "biases", bound, filters)
	var y *Node
	switch {
	case kh == stride && kw == stride && padding == 0 && outputPadding == 0:
		y = depthToSpace(ctx, x, w)
	case convForm(ctx) == "overlap" || (!useIm2col(ctx, g) && convForm(ctx) == "auto" && overlapIsSmaller(x, w, stride, padding, outputPadding)):
		y = overlapAdd(ctx, x, w, stride, padding, outputPadding)
	case kh%2 == 1 && kw%2 == 1 && padding <= min(kh, kw)-1 && outputPadding == 0 && !useIm2col(ctx, g):
		y = dilatedConv(x, w, stride, padding, outputPadding)
	default:
		y = col2im(ctx, x, w, stride, padding, outputPadding)
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
func dilatedConv(x, w *Node, s, p, op int) *Node {
	loH, loW := w.Shape().Dimensions[0]-1-p, w.Shape().Dimensions[1]-1-p
	return Convolve(dilate(x, s), flipSpatial(w)).PaddingPerDim([][2]int{{loH, loH + op}, {loW, loW + op}}).Done()
}

// flipSpatial reverses the two spatial axes of a kernel [k, k, cin, cout]
// as a product with the k²xk² anti-identity (exact: each output is one
// input times 1 plus zeros). GoMLX defines no gradient for Reverse; this
// has one, and it runs as a tiny matrix product.
func flipSpatial(w *Node) *Node {
	d := w.Shape().Dimensions
	n := d[0] * d[1]
	flip := make([]float64, n*n)
	for i := range n {
		flip[i*n+n-1-i] = 1
	}
	p := ConvertDType(Const(w.Graph(), tensors.FromFlatDataAndDimensions(flip, n, n)), w.DType())
	return Reshape(Dot(p, Reshape(w, n, d[2]*d[3])), d...)
}

// depthToSpace is the transposed convolution whose kernel equals its stride:
// windows do not overlap, so it is one matrix product and a reshape.
func depthToSpace(ctx *context.Context, x, w *Node) *Node {
	d := x.Shape().Dimensions
	b, h, wd, cin := d[0], d[1], d[2], d[3]
	kh, kw, cout := w.Shape().Dimensions[0], w.Shape().Dimensions[1], w.Shape().Dimensions[3]
	wm := Reshape(TransposeAllAxes(w, 2, 0, 1, 3), cin, kh*kw*cout) // [cin, (kh, kw, co)]
	y := matmul(ctx, Reshape(x, b*h*wd, cin), wm)
	y = Reshape(y, b, h, wd, kh, kw, cout)
	y = TransposeAllAxes(y, 0, 1, 3, 2, 4, 5) // [b, h, kh, w, kw, co]
	return Reshape(y, b, h*kh, wd*kw, cout)
}

// col2im computes a transposed convolution as one matrix product, which
// gives every input pixel its k x k x Cout contributions, followed by an
// overlap-add: the contributions of kernel offset (kh, kw) land on the
// input grid dilated by the stride and shifted by (kh, kw). The output is
// that full frame from row and column p on, (in-1)*s - 2p + k + op long.
func col2im(ctx *context.Context, x, w *Node, s, p, op int) *Node {
	d := x.Shape().Dimensions
	b, h, wd, cin := d[0], d[1], d[2], d[3]
	kH, kW, cout := w.Shape().Dimensions[0], w.Shape().Dimensions[1], w.Shape().Dimensions[3]
	wm := Reshape(TransposeAllAxes(w, 2, 0, 1, 3), cin, kH*kW*cout) // [cin, (kh, kw, co)]
	contrib := Reshape(matmul(ctx, Reshape(x, b*h*wd, cin), wm), b, h, wd, kH*kW, cout)
	fullH, fullW := (h-1)*s+kH, (wd-1)*s+kW
	var sum *Node
	for kh := 0; kh < kH; kh++ {
		for kw := 0; kw < kW; kw++ {
			c := Reshape(Slice(contrib, AxisRange(), AxisRange(), AxisRange(), AxisElem(kh*kW+kw)), b, h, wd, cout)
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

// overlapAdd computes a transposed convolution as col2im does, one matrix
// product giving every input pixel its kh x kw x Cout contributions, but
// adds them up with a second product instead of dilations and paddings:
// out[o, (b, co)] = sum over q of T[o, q] * contrib[q, (b, co)], where q is
// (i, j, kh, kw) and T[o, q] is 1 where pixel (i, j)'s offset (kh, kw)
// lands on output pixel o, (s*i+kh-p, s*j+kw-p). T grows with the square
// of the input's area, so it pays at the small sizes where the dilated
// form multiplies mostly zeros (the paper's 3 -> 7 layer: 190 million
// products a batch-128 training step against 580 million); see
// overlapIsSmaller.
func overlapAdd(ctx *context.Context, x, w *Node, s, p, op int) *Node {
	d := x.Shape().Dimensions
	b, h, wd, cin := d[0], d[1], d[2], d[3]
	kH, kW, cout := w.Shape().Dimensions[0], w.Shape().Dimensions[1], w.Shape().Dimensions[3]
	oh, ow := (h-1)*s-2*p+kH+op, (wd-1)*s-2*p+kW+op
	q := h * wd * kH * kW
	wm := Reshape(TransposeAllAxes(w, 2, 0, 1, 3), cin, kH*kW*cout) // [cin, (kh, kw, co)]
	contrib := Reshape(matmul(ctx, Reshape(x, b*h*wd, cin), wm), b, q, cout)
	contrib = Reshape(TransposeAllAxes(contrib, 1, 0, 2), q, b*cout)
	t := make([]float64, oh*ow*q)
	for i := range h {
		for j := range wd {
			for kh := range kH {
				for kw := range kW {
					y, xx := s*i+kh-p, s*j+kw-p
					if y >= 0 && y < oh && xx >= 0 && xx < ow {
						t[(y*ow+xx)*q+((i*wd+j)*kH+kh)*kW+kw] = 1
					}
				}
			}
		}
	}
	// The 0/1 matrix in the operands' own type: a float64 constant
	// converted in the graph would be converted again at every step.
	var tm *Node
	if x.DType() == dtypes.Float32 {
		t32 := make([]float32, len(t))
		for i, v := range t {
			t32[i] = float32(v)
		}
		tm = Const(x.Graph(), tensors.FromFlatDataAndDimensions(t32, oh*ow, q))
	} else {
		tm = ConvertDType(Const(x.Graph(), tensors.FromFlatDataAndDimensions(t, oh*ow, q)), x.DType())
	}
	y := Reshape(matmul(ctx, tm, contrib), oh*ow, b, cout)
	return Reshape(TransposeAllAxes(y, 1, 0, 2), b, oh, ow, cout)
}

// overlapIsSmaller reports whether overlapAdd does fewer products in a
// training step (forward, input and kernel gradients) than the dilated
// form: 3 products of the contributions plus 2 of T (forward and its
// gradient), against 3 convolutions over every output pixel.
func overlapIsSmaller(x, w *Node, s, p, op int) bool {
	d := x.Shape().Dimensions
	h, wd, cin := d[1], d[2], d[3]
	kH, kW := w.Shape().Dimensions[0], w.Shape().Dimensions[1]
	o := ((h-1)*s - 2*p + kH + op) * ((wd-1)*s - 2*p + kW + op)
	q := h * wd * kH * kW
	dilated := 3 * o * kH * kW * cin
	overlap := 3*q*cin + 2*q*o
	return overlap < dilated
}

// padAxes pads the two spatial axes of x [B, H, W, C] with zeros: rows
// (before, after), then columns (before, after).
func padAxes(x *Node, rows, cols [2]int) *Node {
	for i, pad := range [][2]int{rows, cols} {
		axis := 1 + i
		parts := []*Node{}
		if pad[0] > 0 {
			parts = append(parts, zerosLike(x, axis, pad[0]))
		}
		parts = append(parts, x)
		if pad[1] > 0 {
			parts = append(parts, zerosLike(x, axis, pad[1]))
		}
		if len(parts) > 1 {
			x = Concatenate(parts, axis)
		}
	}
	return x
}

// dilate inserts s-1 zeros between neighbouring pixels of x [B, H, W, C]:
// -> [B, (H-1)*s+1, (W-1)*s+1, C].
func dilate(x *Node, s int) *Node {
	if s == 1 {
		return x
	}
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	// Rows: [b, h, 1, w*c] ++ zeros [b, h, s-1, w*c] -> [b, h*s, w*c], cut the tail.
	r := Reshape(x, b, h, 1, w*c)
	r = Concatenate([]*Node{r, Zeros(x.Graph(), shapes.Make(x.DType(), b, h, s-1, w*c))}, 2)
	r = Slice(Reshape(r, b, h*s, w*c), AxisRange(), AxisRange(0, (h-1)*s+1), AxisRange())
	hh := (h-1)*s + 1
	// Columns: [b*hh, w, 1, c] ++ zeros -> [b*hh, w*s, c], cut the tail.
	r = Reshape(r, b*hh, w, 1, c)
	r = Concatenate([]*Node{r, Zeros(x.Graph(), shapes.Make(x.DType(), b*hh, w, s-1, c))}, 2)
	r = Slice(Reshape(r, b*hh, w*s, c), AxisRange(), AxisRange(0, (w-1)*s+1), AxisRange())
	return Reshape(r, b, hh, (w-1)*s+1, c)
}

// addBias adds b [C] to every position of y [..., C]. The bias is first
// broadcast to y's full shape: simplego adds equal shapes in a plain loop,
// and broadcasting shapes through a much slower generic iterator.
func addBias(y, b *Node) *Node {
	d := y.Shape().Dimensions
	return Add(y, BroadcastPrefix(b, d[:len(d)-1]...))
}
