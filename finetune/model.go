package finetune

import (
	"fmt"
	"hash/fnv"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
)

// HeadScope is the classifier head's variable scope.
const HeadScope = "head"

// ParamHeadSeed, an int64 set in the context, draws the head's initial
// weights from a seeded stream of their own (one per variable, by scope):
// the same for every method whatever else the context's generator has
// drawn (a from-scratch encoder draws its weights first). Without it the
// context's generator draws them.
const ParamHeadSeed = "hourglass_head_seed"

// Dense is a fully connected layer initialised as PyTorch's nn.Linear
// (uniform in +-1/sqrt(fan_in)): x [batch, in] -> [batch, out].
func Dense(ctx *context.Context, x *Node, out int) *Node {
	in := x.Shape().Dimensions[1]
	bound := 1 / math.Sqrt(float64(in))
	w := denseVariable(ctx, "weights", bound, in, out).ValueGraph(x.Graph())
	b := denseVariable(ctx, "biases", bound, out).ValueGraph(x.Graph())
	y := Dot(x, w)
	return Add(y, BroadcastPrefix(b, x.Shape().Dimensions[0]))
}

// denseVariable returns the variable name in ctx, creating it uniform in
// [-bound, bound]: from the head seed's stream for its scope when
// ParamHeadSeed is set, else from the context's generator.
func denseVariable(ctx *context.Context, name string, bound float64, dims ...int) *context.Variable {
	if v := ctx.GetVariable(name); v != nil {
		return v
	}
	seed, ok := ctx.GetParam(ParamHeadSeed)
	if !ok {
		return ctx.WithInitializer(initializers.RandomUniformFn(ctx, -bound, bound)).VariableWithShape(name, shapes.Make(dtypes.Float32, dims...))
	}
	h := fnv.New64a()
	h.Write([]byte(ctx.Scope() + "/" + name))
	r := data.NewRand(seed.(int64), h.Sum64())
	n := 1
	for _, d := range dims {
		n *= d
	}
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32(-bound + 2*bound*r.Float64())
	}
	return ctx.VariableWithValue(name, tensors.FromFlatDataAndDimensions(vals, dims...))
}

// Head maps codes [batch, code size] to one logit per class: hidden ReLU
// layers with dropout (active in training only), then a linear output
// layer.
func Head(ctx *context.Context, codes *Node, classes int, hidden []int, dropout float64) *Node {
	ctx = ctx.In(HeadScope)
	x := codes
	for i, h := range hidden {
		x = activations.Relu(Dense(ctx.In(fmt.Sprintf("dense%d", i)), x, h))
		if dropout > 0 {
			x = layers.DropoutStatic(ctx, x, dropout)
		}
	}
	logits := Dense(ctx.In("logits"), x, classes)
	logits.AssertDims(codes.Shape().Dimensions[0], classes)
	return logits
}

// Classifier builds images [batch, height, width, channels] (the
// encoder's input) -> logits [batch, classes]
// for a method. For frozen and unfrozen, the encoder's first blocks blocks
// come from enc (the rest re-initialised: encoder.ApplyBlocks), whose
// weights must already be installed in ctx (encoder.InstallBlocks).
func Classifier(ctx *context.Context, images *Node, m config.Method, enc *encoder.Encoder, mode encoder.Mode, blocks, classes int, hidden []int, dropout float64) *Node {
	var codes *Node
	if m == config.Scratch {
		codes = encoder.Codes(ctx, images, enc.Spec())
	} else {
		codes = enc.ApplyBlocks(ctx, images, mode, blocks)
	}
	codes.AssertDims(images.Shape().Dimensions[0], enc.CodeSize())
	return Head(ctx, codes, classes, hidden, dropout)
}
