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

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/model"
)

// job is one classifier to train: its method, its labelled subset split
// into training and held-out images (indices into the training split) and
// what the classifier reads of them.
type job struct {
	method            config.Method
	blocks            int // encoder blocks from the pretrained model (frozen, unfrozen)
	recorded          int // blocks as results record it: 0 unless finetune.blocks is set
	n                 config.LabelCount
	seed              int64
	trainIdx, heldIdx []int
	train, heldOut    feats // images, or (frozen) their cached codes
	labels, heldLabs  []int
	classes           int
}

// encoderBlocks is the blocks the job takes from enc: every one unless
// set.
func (j *job) encoderBlocks(enc *encoder.Encoder) int {
	if j.blocks == 0 {
		return enc.Depth()
	}
	return j.blocks
}

// splitHeldOut keeps the first share of each class of a labelled draw
// (indices into the split, already shuffled within each class) for early
// stopping, at least one image per class, and returns both parts sorted.
func splitHeldOut(idx, labels []int, classes int, share float64) (train, held []int) {
	byClass := make([][]int, classes)
	for _, i := range idx {
		byClass[labels[i]] = append(byClass[labels[i]], i)
	}
	for _, ix := range byClass {
		if len(ix) == 0 {
			continue
		}
		k := max(1, int(float64(len(ix))*share+0.5))
		if k >= len(ix) {
			k = len(ix) - 1 // keep one to train on
		}
		held = append(held, ix[:k]...)
		train = append(train, ix[k:]...)
	}
	sort.Ints(train)
	sort.Ints(held)
	return train, held
}

// feats are n rows of what a classifier reads: images (of shape, width
// values each) read as [n, height, width, channels], or codes (no shape)
// read as [n, width].
type feats struct {
	data  []float32
	width int
	shape data.Shape
}

// imageFeats are a set's images as feats.
func imageFeats(s *data.Set) feats { return feats{s.Images, s.ImageShape().Values(), s.ImageShape()} }

func (f feats) len() int { return len(f.data) / f.width }

func (f feats) tensor(rows []float32) *tensors.Tensor {
	n := len(rows) / f.width
	if f.shape != (data.Shape{}) {
		return engine.Images(f.shape, rows)
	}
	return tensors.FromFlatDataAndDimensions(rows, n, f.width)
}

// batch gathers the rows idx.
func (f feats) batch(idx []int) *tensors.Tensor {
	out := make([]float32, 0, len(idx)*f.width)
	for _, i := range idx {
		out = append(out, f.data[i*f.width:(i+1)*f.width]...)
	}
	return f.tensor(out)
}

// slice is rows [from, to).
func (f feats) slice(from, to int) *tensors.Tensor {
	return f.tensor(f.data[from*f.width : to*f.width])
}

// subset gathers rows idx into new feats.
func (f feats) subset(idx []int) feats {
	out := make([]float32, 0, len(idx)*f.width)
	for _, i := range idx {
		out = append(out, f.data[i*f.width:(i+1)*f.width]...)
	}
	return feats{out, f.width, f.shape}
}

// trainer wraps one classifier's context, GoMLX trainer and predictor.
type trainer struct {
	spec    model.Spec // the encoder's model
	ctx     *gctx.Context
	tr      *train.Trainer
	predict *gctx.Exec
}

// newTrainer builds a classifier. With cached codes (frozen) it is the
// head alone on the codes; otherwise the encoder and the head on images.
// Every method's head starts from the same weights (ParamHeadSeed) and,
// where nothing else draws from the context's generator first, sees the
// same dropout masks.
func newTrainer(be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder, initSeed int64) (*trainer, error) {
	ctx := gctx.New()
	if err := ctx.SetRNGStateFromSeed(initSeed * 1_000_003); err != nil {
		return nil, err
	}
	ctx.SetParam(ParamHeadSeed, j.seed)
	mode := encoder.Frozen
	if j.method == config.Unfrozen && cfg.UnfreezeAt == 0 {
		mode = encoder.Mode{Trainable: true, StepScale: cfg.EncoderStepScale}
	}
	if j.method != config.Scratch {
		enc.InstallBlocks(ctx, mode, j.encoderBlocks(enc))
	}
	t := &trainer{ctx: ctx, spec: enc.Spec()}
	return t, t.build(be, cfg, j, enc, mode)
}

// build makes the training step and the predictor for the encoder's mode.
func (t *trainer) build(be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder, mode encoder.Mode) error {
	codes := j.train.shape == (data.Shape{}) // cached codes: the head alone
	modelFn := func(ctx *gctx.Context, x *Node) *Node {
		if codes {
			return Head(ctx, x, j.classes, cfg.Head, cfg.Dropout)
		}
		return Classifier(ctx, x, j.method, enc, mode, j.encoderBlocks(enc), j.classes, cfg.Head, cfg.Dropout)
	}
	ctx := t.ctx
	t.tr = train.NewTrainer(be, ctx.Checked(false), func(ctx *gctx.Context, _ any, in []*Node) []*Node {
		return []*Node{modelFn(ctx, in[0])}
	}, losses.SparseCategoricalCrossEntropyLogits, adam(cfg.LearningRate), nil, nil)
	var err error
	t.predict, err = gctx.NewExec(be, ctx.Checked(false), func(ctx *gctx.Context, x *Node) *Node {
		return ArgMax(modelFn(ctx, x), -1)
	})
	return err
}

// unfreeze makes the installed encoder blocks trainable at the step
// scale (finetune.unfreeze_at) and rebuilds the training step and the
// predictor around them; the optimiser's state for the head carries on.
func (t *trainer) unfreeze(be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder) error {
	mode := encoder.Mode{Trainable: true, StepScale: cfg.EncoderStepScale}
	enc.InstallBlocks(t.ctx, mode, j.encoderBlocks(enc)) // the same values: the encoder has not moved
	return t.build(be, cfg, j, enc, mode)
}

// adam is Adam with PyTorch's defaults, as the paper trains: GoMLX's own
// epsilon default is 1e-7, PyTorch's 1e-8.
func adam(lr float64) optimizers.Interface {
	return optimizers.Adam().LearningRate(lr).Betas(0.9, 0.999).Epsilon(1e-8).Done()
}

func labelTensor(labels []int, idx []int) *tensors.Tensor {
	l := make([]int32, len(idx))
	for i, j := range idx {
		l[i] = int32(labels[j])
	}
	return tensors.FromFlatDataAndDimensions(l, len(idx), 1)
}

// predictAll classifies every row in batches.
func (t *trainer) predictAll(f feats) ([]int, error) {
	n := f.len()
	out := make([]int, 0, n)
	for from := 0; from < n; from += 1000 {
		to := min(from+1000, n)
		res, err := t.predict.Exec(f.slice(from, to))
		if err != nil {
			return nil, err
		}
		if out, err = engine.Ints(out, res[0]); err != nil {
			return nil, err
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

// modelSnapshot copies the encoder's and the head's variables, trainable
// or not (engine.Snapshot keeps the trainable ones).
func modelSnapshot(ctx *gctx.Context) engine.Weights {
	out := engine.Weights{}
	for v := range ctx.IterVariables() {
		if (strings.HasPrefix(v.Scope(), "/encoder/") || strings.HasPrefix(v.Scope(), "/"+HeadScope+"/")) && v.HasValue() {
			out[v.ParameterName()] = tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](v.MustValue()), v.Shape().Dimensions...)
		}
	}
	return out
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
func runJob(ctx context.Context, be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder, test feats, testLabels []int, log io.Writer, logVars bool) (*results.TransferRun, *trainer, error) {
	start := time.Now()
	t, err := liveTrainer(be, cfg, j, enc, log)
	if err != nil {
		return nil, nil, err
	}
	r := &results.TransferRun{Method: j.method, Blocks: j.recorded, LabelsPerClass: j.n, Seed: j.seed, TrainImages: j.train.len(), HeldOutImages: j.heldOut.len()}
	unfreezeAt := 0
	if j.method == config.Unfrozen {
		unfreezeAt = cfg.UnfreezeAt
	}
	watch := hooks.Classifier{Method: string(j.method), Blocks: j.recorded, LabelsPerClass: int(j.n), Seed: j.seed, Weight: t.weight}
	var best engine.Weights
	rng := data.NewRand(j.seed, 200)
	var perm []int
	loop := &engine.Loop{
		Name: layout.Finetune, Epochs: cfg.Epochs, Steps: (j.train.len() + cfg.BatchSize - 1) / cfg.BatchSize,
		Patience: cfg.Patience, Maximize: true,
		StartEpoch: func(epoch int, _ *engine.Progress) error {
			perm = rng.Perm(j.train.len())
			if unfreezeAt > 0 && epoch == unfreezeAt {
				if err := t.unfreeze(be, cfg, j, enc); err != nil {
					return err
				}
				fmt.Fprintf(log, "unfrozen %s labels/class seed %d: the encoder trains from epoch %d\n", j.n, j.seed, epoch+1)
			}
			return nil
		},
		Step: func(_, step int) error {
			idx := perm[step*cfg.BatchSize : min((step+1)*cfg.BatchSize, len(perm))]
			_, err := t.tr.TrainStep(nil, []*tensors.Tensor{j.train.batch(idx)}, []*tensors.Tensor{labelTensor(j.labels, idx)})
			return err
		},
		Score: func(epoch int) (float64, bool, error) {
			if epoch == 0 && logVars {
				tv, fv := describeVariables(t.ctx)
				fmt.Fprintf(log, "%s: trainable: %s\n%s: frozen: %s\n", j.method, strings.Join(tv, ", "), j.method, orNone(fv))
			}
			pred, err := t.predictAll(j.heldOut)
			return stats.Accuracy(pred, j.heldLabs), true, err
		},
		Improved: func(*engine.Progress) error {
			if unfreezeAt > 0 { // the encoder may be fixed now and train later: keep its values too
				best = modelSnapshot(t.ctx)
			} else {
				best = engine.Snapshot(t.ctx)
			}
			return nil
		},
		EndEpoch: func(p *engine.Progress) error {
			if p.Epoch <= unfreezeAt {
				p.StoppedEarly = false // early stopping waits for the encoder to train
			}
			hooks.Epoch(ctx, watch, p.Epoch)
			return nil
		},
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
	r.TestAccuracy = stats.Accuracy(pred, testLabels)
	r.MacroF1, r.Confusion = macroF1(pred, testLabels, j.classes)
	r.Seconds = time.Since(start).Seconds()
	return r, t, nil
}

// liveTrainer builds the job's classifier; a from-scratch encoder whose
// random weights give all-zero codes for the first training images (every
// ReLU dead, so no gradient would ever reach it) is drawn again with a
// derived seed, as pretraining does, and the log says so.
func liveTrainer(be backends.Backend, cfg config.Finetune, j *job, enc *encoder.Encoder, log io.Writer) (*trainer, error) {
	seed := j.seed
	for try := int64(0); try < 20; try++ {
		t, err := newTrainer(be, cfg, j, enc, seed)
		if err != nil || j.method != config.Scratch {
			return t, err
		}
		live, err := liveCodes(t, be, j.train.slice(0, min(64, j.train.len())))
		if err != nil {
			return nil, err
		}
		if live {
			if try > 0 {
				fmt.Fprintf(log, "scratch, %s labels per class, seed %d: the encoder drawn with seed %d gave all-zero codes; drew it again with seed %d\n",
					j.n, j.seed, j.seed, seed)
			}
			return t, nil
		}
		seed = j.seed + (try+1)*7_919
	}
	return nil, fmt.Errorf("20 draws of the from-scratch encoder all gave all-zero codes: check the images (are they all zero?)")
}

// liveCodes is (*trainer).codesAlive; tests replace it to draw dead
// encoders.
var liveCodes = (*trainer).codesAlive

// codesAlive says whether the classifier's encoder gives a code value above
// zero for any of the images (it initialises the encoder's variables).
func (t *trainer) codesAlive(be backends.Backend, images *tensors.Tensor) (bool, error) {
	out, err := gctx.ExecOnce(be, t.ctx.Checked(false), func(ctx *gctx.Context, x *Node) *Node {
		return encoder.Codes(ctx, x, t.spec)
	}, images)
	if err != nil {
		return false, err
	}
	for _, v := range tensors.MustCopyFlatData[float32](out) {
		if v > 0 {
			return true, nil
		}
	}
	return false, nil
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "(none)"
	}
	return strings.Join(xs, ", ")
}

// macroF1 is the unweighted mean of the per-class F1 scores (a class never
// predicted nor present counts as 0), with the confusion matrix.
func macroF1(pred, truth []int, classes int) (float64, results.Confusion) {
	cm := results.NewConfusion(classes)
	for i, p := range pred {
		cm[truth[i]][p]++
	}
	var sum float64
	for c := range classes {
		tp := float64(cm[c][c])
		var predicted, actual float64
		for k := range classes {
			predicted += float64(cm[k][c])
			actual += float64(cm[c][k])
		}
		if predicted+actual > 0 {
			sum += 2 * tp / (predicted + actual)
		}
	}
	return sum / float64(classes), cm
}
