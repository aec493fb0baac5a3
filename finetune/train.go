package finetune

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/encoder"
)

// RunResult is one trained classifier: a row of results.csv.
type RunResult struct {
	Method         string                          `json:"method"`
	LabelsPerClass int                             `json:"labels_per_class"` // 0: all
	Seed           int64                           `json:"seed"`
	TrainImages    int                             `json:"train_images"`
	HeldOutImages  int                             `json:"held_out_images"`
	TestAccuracy   float64                         `json:"test_accuracy"`
	MacroF1        float64                         `json:"macro_f1"`
	Epochs         int                             `json:"epochs"`
	BestEpoch      int                             `json:"best_epoch"`
	HeldOutAcc     float64                         `json:"held_out_accuracy"`
	Seconds        float64                         `json:"seconds"`
	Confusion      [data.Classes][data.Classes]int `json:"confusion"` // [true][predicted]
}

// job is one classifier to train.
type job struct {
	method  Method
	n       int
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
	ctx     *context.Context
	tr      *train.Trainer
	predict *context.Exec
}

func newTrainer(be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder) (*trainer, error) {
	ctx := context.New()
	// The same seed for every method: the head starts from the same weights
	// and sees the same dropout masks, so methods differ only in the encoder.
	if err := ctx.SetRNGStateFromSeed(j.seed * 1_000_003); err != nil {
		return nil, err
	}
	mode := encoder.Frozen
	switch j.method {
	case Frozen:
		enc.Install(ctx, mode)
	case Unfrozen:
		mode = encoder.Mode{Trainable: true, StepScale: cfg.EncoderStepScale}
		enc.Install(ctx, mode)
	}
	modelFn := func(ctx *context.Context, images *Node) *Node {
		return Classifier(ctx, images, j.method, enc, mode, cfg.Head, cfg.Dropout)
	}
	t := &trainer{ctx: ctx}
	t.tr = train.NewTrainer(be, ctx.Checked(false), func(ctx *context.Context, _ any, in []*Node) []*Node {
		return []*Node{modelFn(ctx, in[0])}
	}, losses.SparseCategoricalCrossEntropyLogits, optimizers.Adam().LearningRate(cfg.LearningRate).Done(), nil, nil)
	var err error
	t.predict, err = context.NewExec(be, ctx.Checked(false), func(ctx *context.Context, images *Node) *Node {
		return ArgMax(modelFn(ctx, images), -1)
	})
	return t, err
}

func images(s *data.Set) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(s.Images, s.Len(), data.Rows, data.Cols, 1)
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
		res, err := t.predict.Exec(images(s.Slice(from, to)))
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

// weights copies the trainable variables.
func (t *trainer) weights() map[string]*tensors.Tensor {
	out := map[string]*tensors.Tensor{}
	for v := range t.ctx.IterVariables() {
		if v.Trainable && v.HasValue() {
			c, err := v.MustValue().Clone()
			if err == nil {
				out[v.ParameterName()] = c
			}
		}
	}
	return out
}

func (t *trainer) setWeights(w map[string]*tensors.Tensor) error {
	for v := range t.ctx.IterVariables() {
		if val, ok := w[v.ParameterName()]; ok {
			c, err := val.Clone()
			if err != nil {
				return err
			}
			if err := v.SetValue(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// describeVariables lists trainable and frozen variables, for the log.
func describeVariables(ctx *context.Context) (trainable, frozen []string) {
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
// and scores it on the test set.
func runJob(be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder, test *data.Set, log io.Writer, logVars bool) (*RunResult, *trainer, error) {
	start := time.Now()
	t, err := newTrainer(be, cfg, j, enc)
	if err != nil {
		return nil, nil, err
	}
	r := &RunResult{Method: string(j.method), LabelsPerClass: j.n, Seed: j.seed, TrainImages: j.train.Len(), HeldOutImages: j.heldOut.Len()}
	best := -1.0
	var bestWeights map[string]*tensors.Tensor
	rng := data.NewRand(j.seed, 200)
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		perm := rng.Perm(j.train.Len())
		for from := 0; from < len(perm); from += cfg.BatchSize {
			b := j.train.Subset(perm[from:min(from+cfg.BatchSize, len(perm))])
			if _, err := t.tr.TrainStep(nil, []*tensors.Tensor{images(b)}, []*tensors.Tensor{labels(b)}); err != nil {
				return nil, nil, err
			}
		}
		if epoch == 1 && logVars {
			tv, fv := describeVariables(t.ctx)
			fmt.Fprintf(log, "%s: trainable: %s\n%s: frozen: %s\n", j.method, strings.Join(tv, ", "), j.method, orNone(fv))
		}
		pred, err := t.predictAll(j.heldOut)
		if err != nil {
			return nil, nil, err
		}
		acc := accuracy(pred, j.heldOut.Labels)
		r.Epochs = epoch
		if acc > best {
			best, r.BestEpoch, bestWeights = acc, epoch, t.weights()
		} else if cfg.Patience > 0 && epoch-r.BestEpoch >= cfg.Patience {
			break
		}
	}
	if err := t.setWeights(bestWeights); err != nil {
		return nil, nil, err
	}
	r.HeldOutAcc = best
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
func macroF1(pred, truth []int) (float64, [data.Classes][data.Classes]int) {
	var cm [data.Classes][data.Classes]int
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
