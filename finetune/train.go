package finetune

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/engine"
	"github.com/hourglass-ml/hourglass/layout"
	"github.com/hourglass-ml/hourglass/results"
)

// job is one classifier to train.
type job struct {
	method  config.Method
	n       config.LabelCount
	seed    int64
	train   *data.Set
	heldOut *data.Set
}

// splitHeldOut keeps the first share of each class (the draw is already
// shuffled) for early stopping, at least one image per class.
func splitHeldOut(s *data.Set, share float64) (train, held *data.Set) {
	byClass := make([][]int, data.Classes)
	for i, l := range s.Labels {
		byClass[l] = append(byClass[l], i)
	}
	var ti, hi []int
	for _, idx := range byClass {
		k := max(1, int(float64(len(idx))*share+0.5))
		if k >= len(idx) {
			k = len(idx) - 1 // keep one to train on
		}
		hi = append(hi, idx[:k]...)
		ti = append(ti, idx[k:]...)
	}
	sort.Ints(ti)
	sort.Ints(hi)
	return s.Subset(ti), s.Subset(hi)
}

// trainer wraps one classifier's context, GoMLX trainer and predictor.
type trainer struct {
	ctx     *gctx.Context
	tr      *train.Trainer
	predict *gctx.Exec
}

func newTrainer(be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder) (*trainer, error) {
	ctx := gctx.New()
	// The same seed for every method: the head starts from the same weights
	// and sees the same dropout masks, so methods differ only in the encoder.
	if err := ctx.SetRNGStateFromSeed(j.seed * 1_000_003); err != nil {
		return nil, err
	}
	mode := encoder.Frozen
	switch j.method {
	case config.Frozen:
		enc.Install(ctx, mode)
	case config.Unfrozen:
		mode = encoder.Mode{Trainable: true, StepScale: cfg.EncoderStepScale}
		enc.Install(ctx, mode)
	}
	modelFn := func(ctx *gctx.Context, images *Node) *Node {
		return Classifier(ctx, images, j.method, enc, mode, cfg.Head, cfg.Dropout)
	}
	t := &trainer{ctx: ctx}
	t.tr = train.NewTrainer(be, ctx.Checked(false), func(ctx *gctx.Context, _ any, in []*Node) []*Node {
		return []*Node{modelFn(ctx, in[0])}
	}, losses.SparseCategoricalCrossEntropyLogits, optimizers.Adam().LearningRate(cfg.LearningRate).Done(), nil, nil)
	var err error
	t.predict, err = gctx.NewExec(be, ctx.Checked(false), func(ctx *gctx.Context, images *Node) *Node {
		return ArgMax(modelFn(ctx, images), -1)
	})
	return t, err
}

func labels(s *data.Set) *tensors.Tensor {
	l := make([]int32, s.Len())
	for i, v := range s.Labels {
		l[i] = int32(v)
	}
	return tensors.FromFlatDataAndDimensions(l, s.Len(), 1)
}

// predictAll classifies a set in batches.
func (t *trainer) predictAll(s *data.Set) ([]int, error) {
	out := make([]int, 0, s.Len())
	for from := 0; from < s.Len(); from += 1000 {
		to := min(from+1000, s.Len())
		res, err := t.predict.Exec(engine.Images(s.Slice(from, to).Images))
		if err != nil {
			return nil, err
		}
		switch v := res[0].Value().(type) {
		case []int32:
			for _, p := range v {
				out = append(out, int(p))
			}
		case []int64:
			for _, p := range v {
				out = append(out, int(p))
			}
		default:
			return nil, fmt.Errorf("predictions of type %T", v)
		}
	}
	return out, nil
}

// weight returns a copy of one variable's values, or nil.
func (t *trainer) weight(scope, name string) []float32 {
	v := t.ctx.InspectVariable(scope, name)
	if v == nil {
		return nil
	}
	return tensors.MustCopyFlatData[float32](v.MustValue())
}

// describeVariables lists trainable and frozen variables, for the log.
func describeVariables(ctx *gctx.Context) (trainable, frozen []string) {
	for v := range ctx.IterVariables() {
		// The model's own weights: not optimiser state, metrics or RNG.
		if !strings.HasPrefix(v.Scope(), "/encoder/") && !strings.HasPrefix(v.Scope(), "/"+HeadScope+"/") {
			continue
		}
		desc := fmt.Sprintf("%s/%s %v", v.Scope(), v.Name(), v.Shape().Dimensions)
		if v.Trainable {
			trainable = append(trainable, desc)
		} else if !strings.HasSuffix(v.Name(), "_anchor") {
			frozen = append(frozen, desc)
		}
	}
	sort.Strings(trainable)
	sort.Strings(frozen)
	return
}

// runJob trains one classifier with early stopping on its held-out images
// (engine.Loop: held-out accuracy, the best epoch's weights restored) and
// scores it on the test set.
func runJob(ctx context.Context, be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder, test *data.Set, log io.Writer, logVars bool) (*results.TransferRun, *trainer, error) {
	start := time.Now()
	t, err := newTrainer(be, cfg, j, enc)
	if err != nil {
		return nil, nil, err
	}
	r := &results.TransferRun{Method: j.method, LabelsPerClass: j.n, Seed: j.seed, TrainImages: j.train.Len(), HeldOutImages: j.heldOut.Len()}
	var best engine.Weights
	rng := data.NewRand(j.seed, 200)
	var perm []int
	loop := &engine.Loop{
		Name: layout.Finetune, Epochs: cfg.Epochs, Steps: (j.train.Len() + cfg.BatchSize - 1) / cfg.BatchSize,
		Patience: cfg.Patience, Maximize: true,
		StartEpoch: func(int, *engine.Progress) error { perm = rng.Perm(j.train.Len()); return nil },
		Step: func(_, step int) error {
			b := j.train.Subset(perm[step*cfg.BatchSize : min((step+1)*cfg.BatchSize, len(perm))])
			_, err := t.tr.TrainStep(nil, []*tensors.Tensor{engine.Images(b.Images)}, []*tensors.Tensor{labels(b)})
			return err
		},
		Score: func(epoch int) (float64, bool, error) {
			if epoch == 0 && logVars {
				tv, fv := describeVariables(t.ctx)
				fmt.Fprintf(log, "%s: trainable: %s\n%s: frozen: %s\n", j.method, strings.Join(tv, ", "), j.method, orNone(fv))
			}
			pred, err := t.predictAll(j.heldOut)
			return accuracy(pred, j.heldOut.Labels), true, err
		},
		Improved: func(*engine.Progress) error { best = engine.Snapshot(t.ctx); return nil },
	}
	var p engine.Progress
	if err := loop.Run(ctx, &p); err != nil {
		return nil, nil, err
	}
	r.Epochs, r.BestEpoch, r.HeldOutAcc = p.Epoch, p.BestEpoch, p.Best
	if err := engine.Restore(t.ctx, best); err != nil {
		return nil, nil, err
	}
	pred, err := t.predictAll(test)
	if err != nil {
		return nil, nil, err
	}
	r.TestAccuracy = accuracy(pred, test.Labels)
	r.MacroF1, r.Confusion = macroF1(pred, test.Labels)
	r.Seconds = time.Since(start).Seconds()
	return r, t, nil
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "(none)"
	}
	return strings.Join(xs, ", ")
}

func accuracy(pred, truth []int) float64 {
	ok := 0
	for i, p := range pred {
		if p == truth[i] {
			ok++
		}
	}
	return float64(ok) / float64(max(len(pred), 1))
}

// macroF1 is the unweighted mean of the per-class F1 scores (a class never
// predicted nor present counts as 0), with the confusion matrix.
func macroF1(pred, truth []int) (float64, results.Confusion) {
	var cm results.Confusion
	for i, p := range pred {
		cm[truth[i]][p]++
	}
	var sum float64
	for c := 0; c < data.Classes; c++ {
		tp := float64(cm[c][c])
		var predicted, actual float64
		for k := 0; k < data.Classes; k++ {
			predicted += float64(cm[k][c])
			actual += float64(cm[c][k])
		}
		if predicted+actual > 0 {
			sum += 2 * tp / (predicted + actual)
		}
	}
	return sum / data.Classes, cm
}
