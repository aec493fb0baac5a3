package model

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// GaussianScope holds the VAE encoder's dense layer to the mean and
// log-variance (under EncoderScope); DenseScope the decoder's dense layer
// back to the last map (under DecoderScope), in the VAE and behind an
// autoencoder's dense code.
const (
	GaussianScope = "gaussian"
	DenseScope    = "dense"
)

// VAEEncoder is the variational encoder: the convolution blocks, the
// map's values flattened, then one dense layer to 2L values, the mean and
// log-variance of a diagonal Gaussian over L = Latent() dimensions:
// images [B, H, W, C] -> mean, logVar [B, L].
func (s Spec) VAEEncoder(ctx *context.Context, images *Node) (mean, logVar *Node) {
	ctx = ctx.In(EncoderScope)
	b, latent := images.Shape().Dimensions[0], s.Latent()
	scope := ctx.In(GaussianScope)
	out := Dense(scope, s.features(ctx, images), 2*latent)
	out.AssertDims(b, 2*latent)
	record(scope, out, fmt.Sprintf("Linear %d -> %d (mean, log-variance)", s.MapSize(), 2*latent))
	mean = Slice(out, AxisRange(), AxisRange(0, latent))
	logVar = Slice(out, AxisRange(), AxisRange(latent, 2*latent))
	return mean, logVar
}

// VAEDecoder maps latent points z [B, L] to logits [B, H, W, C]: a dense
// layer to the last map's values with ReLU, then the decoder's transposed
// convolutions with ReLU after all but the last; the pixel probabilities
// are the sigmoid of the logits.
func (s Spec) VAEDecoder(ctx *context.Context, z *Node) *Node {
	ctx = ctx.In(DecoderScope)
	return s.upsample(ctx, s.denseToMap(ctx, z), false)
}

// Sample draws z = mean + exp(logVar/2) * eps, eps ~ N(0, I) from the
// context's generator: the reparameterisation, through which gradients
// reach the mean and log-variance.
func Sample(ctx *context.Context, mean, logVar *Node) *Node {
	return Reparameterize(mean, logVar, ctx.RandomNormal(mean.Graph(), mean.Shape()))
}

// Reparameterize is mean + exp(logVar/2) * eps for given noise eps.
func Reparameterize(mean, logVar, eps *Node) *Node {
	return Add(mean, Mul(Exp(MulScalar(logVar, 0.5)), eps))
}

// VAE reconstructs images through one posterior sample: logits, and the
// posterior's mean and log-variance.
func (s Spec) VAE(ctx *context.Context, images *Node) (logits, mean, logVar *Node) {
	mean, logVar = s.VAEEncoder(ctx, images)
	return s.VAEDecoder(ctx, Sample(ctx, mean, logVar)), mean, logVar
}

// BernoulliNLL is each image's binary cross-entropy of the pixels' sigmoid
// probabilities (from logits) against images, summed over its values:
// softplus(l) - x l, computed stably. Result [B].
func BernoulliNLL(images, logits *Node) *Node {
	b := images.Shape().Dimensions[0]
	per := Sub(Softplus(logits), Mul(images, logits))
	return ReduceSum(Reshape(per, b, -1), 1)
}

// GaussianKL is each image's KL divergence of N(mean, exp(logVar)) from
// N(0, I), in closed form: -1/2 sum(1 + logVar - mean² - exp(logVar)).
// Result [B].
func GaussianKL(mean, logVar *Node) *Node {
	t := Sub(Sub(AddScalar(logVar, 1), Square(mean)), Exp(logVar))
	return MulScalar(ReduceSum(t, 1), -0.5)
}

// Dense is a fully connected layer initialised as PyTorch's nn.Linear
// (uniform in +-1/sqrt(fan_in)): x [B, in] -> [B, out]. Variables in ctx:
// weights [in, out], biases [out].
func Dense(ctx *context.Context, x *Node, out int) *Node {
	in := x.Shape().Dimensions[1]
	bound := 1 / math.Sqrt(float64(in))
	w := param(ctx, x.Graph(), x.DType(), "weights", bound, in, out)
	b := param(ctx, x.Graph(), x.DType(), "biases", bound, out)
	return Add(matmul(ctx, x, w), BroadcastPrefix(b, x.Shape().Dimensions[0]))
}
