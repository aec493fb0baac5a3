package engine

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/model"
)

// Options configures the model and its optimiser.
type Options struct {
	Seed         int64
	LearningRate float64
	Beta1, Beta2 float64
	Epsilon      float64
	// Stock builds the spec's StockAutoencoder instead (for benchmarks).
	Stock bool
	// Spec is the model: an autoencoder, or a VAE whose KL term is
	// weighted by KLWeight.
	Spec     model.Spec
	KLWeight float64
}

// DefaultOptions are the paper's: the autoencoder, Adam with PyTorch's
// defaults.
func DefaultOptions() Options {
	return Options{Seed: 1, LearningRate: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, Spec: model.Paper(), KLWeight: 1}
}

// IsVAE says whether the options build the variational autoencoder.
func (o Options) IsVAE() bool { return o.Spec.IsVAE() }

// Engine holds the model's variables and optimiser state in a GoMLX
// context, and the compiled graphs that train, evaluate, encode and
// decode.
type Engine struct {
	Backend backends.Backend
	Ctx     *context.Context
	opts    Options
	trainer *train.Trainer
	eval    *context.Exec // AE: the MSE; VAE: mean reconstruction NLL and KL
	encode  *context.Exec
	decode  *context.Exec
	recon   *context.Exec
	klVar   *context.Variable // VAE: the KL term's weight
}

// New creates an untrained model on be.
func New(be backends.Backend, o Options) (*Engine, error) {
	ctx := context.New()
	if err := o.Spec.Validate(); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if err := ctx.SetRNGStateFromSeed(o.Seed); err != nil {
		return nil, err
	}
	opt := optimizers.Adam().LearningRate(o.LearningRate).Betas(o.Beta1, o.Beta2).Epsilon(o.Epsilon).Done()
	e := &Engine{Backend: be, Ctx: ctx, opts: o}
	if o.IsVAE() {
		return e, e.buildVAE(opt)
	}
	ae := o.Spec.Autoencoder
	if o.Stock {
		ae = o.Spec.StockAutoencoder
	}
	e.trainer = train.NewTrainer(be, ctx.Checked(false), func(ctx *context.Context, _ any, in []*Node) []*Node {
		return []*Node{ae(ctx, in[0])}
	}, losses.MeanSquaredError, opt, nil, nil)
	var err error
	if e.eval, err = context.NewExec(be, ctx.Checked(false), func(ctx *context.Context, x *Node) *Node {
		return model.Loss(x, ae(ctx, x))
	}); err != nil {
		return nil, err
	}
	if e.encode, err = context.NewExec(be, ctx.Checked(false), o.Spec.Encoder); err != nil {
		return nil, err
	}
	if e.decode, err = context.NewExec(be, ctx.Checked(false), o.Spec.Decoder); err != nil {
		return nil, err
	}
	if e.recon, err = context.NewExec(be, ctx.Checked(false), ae); err != nil {
		return nil, err
	}
	return e, nil
}

// buildVAE compiles the variational autoencoder's graphs: training on the
// negative ELBO with a weighted KL term (the images are their own labels),
// evaluation of its two parts with one posterior sample, the posterior
// mean as code, and sigmoid-decoded images.
func (e *Engine) buildVAE(opt optimizers.Interface) error {
	be, ctx, spec := e.Backend, e.Ctx, e.opts.Spec
	e.klVar = ctx.InAbsPath("/vae").Checked(false).VariableWithValue("kl_weight", tensors.FromScalar(float32(e.opts.KLWeight))).SetTrainable(false)
	e.trainer = train.NewTrainer(be, ctx.Checked(false), func(ctx *context.Context, _ any, in []*Node) []*Node {
		logits, mean, logVar := spec.VAE(ctx, in[0])
		return []*Node{logits, mean, logVar}
	}, func(labels, out []*Node) *Node {
		w := e.klVar.ValueGraph(out[0].Graph())
		per := Add(model.BernoulliNLL(labels[0], out[0]), Mul(w, model.GaussianKL(out[1], out[2])))
		return ReduceAllMean(per)
	}, opt, nil, nil)
	var err error
	if e.eval, err = context.NewExec(be, ctx.Checked(false), func(ctx *context.Context, x *Node) (*Node, *Node) {
		logits, mean, logVar := spec.VAE(ctx, x)
		return ReduceAllMean(model.BernoulliNLL(x, logits)), ReduceAllMean(model.GaussianKL(mean, logVar))
	}); err != nil {
		return err
	}
	if e.encode, err = context.NewExec(be, ctx.Checked(false), func(ctx *context.Context, x *Node) *Node {
		mean, _ := spec.VAEEncoder(ctx, x)
		return mean
	}); err != nil {
		return err
	}
	if e.decode, err = context.NewExec(be, ctx.Checked(false), func(ctx *context.Context, z *Node) *Node {
		return Sigmoid(spec.VAEDecoder(ctx, z))
	}); err != nil {
		return err
	}
	e.recon, err = context.NewExec(be, ctx.Checked(false), func(ctx *context.Context, x *Node) *Node {
		mean, _ := spec.VAEEncoder(ctx, x)
		return Sigmoid(spec.VAEDecoder(ctx, mean))
	})
	return err
}

// Options are the engine's options.
func (e *Engine) Options() Options { return e.opts }

// CodeSize is the length of a code: the model's (576 for the paper's
// autoencoder; the VAE's posterior mean has its latent size).
func (e *Engine) CodeSize() int { return e.opts.Spec.CodeSize() }

// Spec is the model the engine runs.
func (e *Engine) Spec() model.Spec { return e.opts.Spec }

// SetKLWeight changes the VAE's KL weight from the next step (warm-up).
func (e *Engine) SetKLWeight(w float64) error {
	if e.klVar == nil {
		return fmt.Errorf("engine: the autoencoder has no KL term")
	}
	return e.klVar.SetValue(tensors.FromScalar(float32(w)))
}

// Batch turns a set's images into a [n, height, width, channels] tensor.
func Batch(s *data.Set) *tensors.Tensor { return Images(s.ImageShape(), s.Images) }

// Images turns the values of n images of a shape into a [n, height,
// width, channels] tensor.
func Images(shape data.Shape, values []float32) *tensors.Tensor {
	n := len(values) / shape.Values()
	return tensors.FromFlatDataAndDimensions(values, n, shape[0], shape[1], shape[2])
}

// Images turns the values of n images of the model's input into a tensor.
func (e *Engine) Images(values []float32) *tensors.Tensor {
	return Images(data.Shape(e.opts.Spec.Input), values)
}

// TrainStep takes one Adam step on a batch and returns the batch's loss
// before the step.
func (e *Engine) TrainStep(batch *tensors.Tensor) (float64, error) {
	m, err := e.trainer.TrainStep(nil, []*tensors.Tensor{batch}, []*tensors.Tensor{batch})
	if err != nil {
		return 0, err
	}
	return scalar(m[0])
}

// Loss is the evaluation loss of a batch: the mean per-pixel squared
// error of the reconstructions (AE), or the negative ELBO in nats per
// image with one posterior sample per image (VAE).
func (e *Engine) Loss(batch *tensors.Tensor) (float64, error) {
	a, b, err := e.Parts(batch)
	return a + b, err
}

// Parts is the VAE's negative ELBO in its two parts, the reconstruction
// term (Bernoulli negative log-likelihood, nats per image) and the KL
// term; the AE's loss and 0.
func (e *Engine) Parts(batch *tensors.Tensor) (float64, float64, error) {
	out, err := e.eval.Exec(batch)
	if err != nil {
		return 0, 0, err
	}
	a, err := scalar(out[0])
	if err != nil || len(out) < 2 {
		return a, 0, err
	}
	b, err := scalar(out[1])
	return a, b, err
}

// Encode returns the codes [n, CodeSize()] of a batch.
func (e *Engine) Encode(batch *tensors.Tensor) (*tensors.Tensor, error) {
	out, err := e.encode.Exec(batch)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Decode returns the images [n, height, width, channels] decoded from codes [n,
// CodeSize()] (for the VAE, latent points: the pixels' probabilities).
func (e *Engine) Decode(codes *tensors.Tensor) (*tensors.Tensor, error) {
	out, err := e.decode.Exec(codes)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Reconstruct returns the reconstructions [n, height, width, channels] of a batch.
func (e *Engine) Reconstruct(batch *tensors.Tensor) (*tensors.Tensor, error) {
	out, err := e.recon.Exec(batch)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// SetLearningRate changes the optimiser's learning rate from the next step.
func (e *Engine) SetLearningRate(lr float64) error {
	v := optimizers.LearningRateVarWithValue(e.Ctx, dtypes.Float32, lr)
	return v.SetValue(tensors.FromScalar(float32(lr)))
}

// Weights copies the trainable variables (the model's weights).
func (e *Engine) Weights() Weights { return Snapshot(e.Ctx) }

// SetWeights puts weights taken by Weights back.
func (e *Engine) SetWeights(w Weights) error { return Restore(e.Ctx, w) }

// MeanLoss evaluates Loss over a whole set, batch by batch.
func (e *Engine) MeanLoss(s *data.Set, batch int) (float64, error) {
	a, b, err := e.MeanParts(s, batch)
	return a + b, err
}

// MeanParts evaluates Parts over a whole set, batch by batch.
func (e *Engine) MeanParts(s *data.Set, batch int) (float64, float64, error) {
	var sa, sb float64
	for from := 0; from < s.Len(); from += batch {
		to := min(from+batch, s.Len())
		a, b, err := e.Parts(Batch(s.Slice(from, to)))
		if err != nil {
			return 0, 0, err
		}
		sa += a * float64(to-from)
		sb += b * float64(to-from)
	}
	return sa / float64(s.Len()), sb / float64(s.Len()), nil
}

func scalar(t *tensors.Tensor) (float64, error) {
	switch v := t.Value().(type) {
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	}
	return 0, fmt.Errorf("expected a scalar loss, got %s", t.Shape())
}

// FromConfig are the model and optimiser an experiment trains, with the
// weights drawn from seed.
func FromConfig(cfg *config.Config, seed int64) Options {
	p := cfg.Pretrain
	return Options{Seed: seed, LearningRate: p.LearningRate, Beta1: p.Beta1, Beta2: p.Beta2, Epsilon: p.Epsilon,
		Spec: cfg.Spec(), KLWeight: p.Beta}
}

// Reseed sets the generator the VAE samples its posterior with (and any
// other random operation draws from) to seed, replacing the state a loaded
// checkpoint carried: evaluations that sample become repeatable.
func (e *Engine) Reseed(seed int64) error { return e.Ctx.SetRNGStateFromSeed(seed) }

// Ints appends an integer tensor's values (an ArgMax's int32 or int64
// class numbers) to dst.
func Ints(dst []int, t *tensors.Tensor) ([]int, error) {
	switch v := t.Value().(type) {
	case []int32:
		for _, p := range v {
			dst = append(dst, int(p))
		}
	case []int64:
		for _, p := range v {
			dst = append(dst, int(p))
		}
	default:
		return dst, fmt.Errorf("predictions of type %T, want int32 or int64", v)
	}
	return dst, nil
}
