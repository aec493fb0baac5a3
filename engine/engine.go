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

	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/model"
)

// Options configures the autoencoder and its optimiser.
type Options struct {
	Seed         int64
	LearningRate float64
	Beta1, Beta2 float64
	Epsilon      float64
	// Stock builds model.StockAutoencoder instead (for benchmarks).
	Stock bool
}

// DefaultOptions are the paper's: Adam with PyTorch's defaults.
func DefaultOptions() Options {
	return Options{Seed: 1, LearningRate: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
}

// Engine holds the autoencoder's variables and optimiser state in a GoMLX
// context, and the compiled graphs that train, evaluate and encode.
type Engine struct {
	Backend backends.Backend
	Ctx     *context.Context
	trainer *train.Trainer
	eval    *context.Exec
	encode  *context.Exec
	decode  *context.Exec
	recon   *context.Exec
}

// New creates an untrained autoencoder on be.
func New(be backends.Backend, o Options) (*Engine, error) {
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(o.Seed); err != nil {
		return nil, err
	}
	ae := model.Autoencoder
	if o.Stock {
		ae = model.StockAutoencoder
	}
	opt := optimizers.Adam().LearningRate(o.LearningRate).Betas(o.Beta1, o.Beta2).Epsilon(o.Epsilon).Done()
	e := &Engine{Backend: be, Ctx: ctx}
	e.trainer = train.NewTrainer(be, ctx.Checked(false), func(ctx *context.Context, _ any, in []*Node) []*Node {
		return []*Node{ae(ctx, in[0])}
	}, losses.MeanSquaredError, opt, nil, nil)
	var err error
	if e.eval, err = context.NewExec(be, ctx.Checked(false), func(ctx *context.Context, x *Node) *Node {
		return model.Loss(x, ae(ctx, x))
	}); err != nil {
		return nil, err
	}
	if e.encode, err = context.NewExec(be, ctx.Checked(false), model.Encoder); err != nil {
		return nil, err
	}
	if e.decode, err = context.NewExec(be, ctx.Checked(false), model.Decoder); err != nil {
		return nil, err
	}
	if e.recon, err = context.NewExec(be, ctx.Checked(false), ae); err != nil {
		return nil, err
	}
	return e, nil
}

// Images turns n images of a Set slice into a [n, 28, 28, 1] tensor.
func Images(pixels []float32) *tensors.Tensor {
	n := len(pixels) / data.Pixels
	return tensors.FromFlatDataAndDimensions(pixels, n, data.Rows, data.Cols, 1)
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

// Loss is the mean per-pixel squared error of the batch's reconstructions.
func (e *Engine) Loss(batch *tensors.Tensor) (float64, error) {
	out, err := e.eval.Exec(batch)
	if err != nil {
		return 0, err
	}
	return scalar(out[0])
}

// Encode returns the codes [n, 576] of a batch.
func (e *Engine) Encode(batch *tensors.Tensor) (*tensors.Tensor, error) {
	out, err := e.encode.Exec(batch)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Decode returns the images [n, 28, 28, 1] decoded from codes [n, 576].
func (e *Engine) Decode(codes *tensors.Tensor) (*tensors.Tensor, error) {
	out, err := e.decode.Exec(codes)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Reconstruct returns the reconstructions [n, 28, 28, 1] of a batch.
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

// MeanLoss evaluates the mean per-pixel MSE over a whole set, batch by batch.
func (e *Engine) MeanLoss(s *data.Set, batch int) (float64, error) {
	var sum float64
	for from := 0; from < s.Len(); from += batch {
		to := min(from+batch, s.Len())
		l, err := e.Loss(Images(s.Slice(from, to).Images))
		if err != nil {
			return 0, err
		}
		sum += l * float64(to-from)
	}
	return sum / float64(s.Len()), nil
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
