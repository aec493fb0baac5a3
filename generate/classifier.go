package generate

import (
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/base/progress"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/model"
)

// Features is the width of the classifier's penultimate layer.
const Features = 128

// classifier is the feature network: the paper's convolution blocks, a
// dense layer of Features with ReLU (the features), and 10 logits.
type classifier struct {
	ctx      *gctx.Context
	features *gctx.Exec
	predict  *gctx.Exec
	shape    data.Shape // the images it classifies
}

// classifierSpec is the feature classifier's convolutional part for
// images of a shape: the paper's encoder blocks, as many as the size
// allows.
func classifierSpec(shape data.Shape) model.Spec {
	s := model.Paper()
	s.Input = shape
	for len(s.Filters) > 1 && min(shape[0], shape[1]) < model.MinInput(len(s.Filters)) {
		s.Filters = s.Filters[:len(s.Filters)-1]
	}
	return s
}

func net(ctx *gctx.Context, x *Node, classes int) (features, logits *Node) {
	ctx = ctx.In("classifier")
	d := x.Shape().Dimensions
	spec := classifierSpec(data.Shape{d[1], d[2], d[3]})
	f := activations.Relu(model.Dense(ctx.In("hidden"), spec.Encoder(ctx, x), Features))
	return f, model.Dense(ctx.In("logits"), f, classes)
}

func newClassifier(be backends.Backend, seed int64, classes int, shape data.Shape) (*classifier, error) {
	ctx := gctx.New()
	if err := ctx.SetRNGStateFromSeed(seed); err != nil {
		return nil, err
	}
	c := &classifier{ctx: ctx, shape: shape}
	var err error
	if c.features, err = gctx.NewExec(be, ctx.Checked(false), func(ctx *gctx.Context, x *Node) *Node {
		f, _ := net(ctx, x, classes)
		return f
	}); err != nil {
		return nil, err
	}
	c.predict, err = gctx.NewExec(be, ctx.Checked(false), func(ctx *gctx.Context, x *Node) *Node {
		_, l := net(ctx, x, classes)
		return ArgMax(l, -1)
	})
	return c, err
}

// classifierState is classifier.json: what the cached classifier was
// trained on and scored.
type classifierState struct {
	Settings any                       `json:"settings"`
	Info     results.FeatureClassifier `json:"info"`
}

func classifierSettings(cfg *config.Config) any {
	return map[string]any{"seed": cfg.Seed, "data": cfg.Data, "input": cfg.Model.Input, "epochs": cfg.Generate.ClassifierEpochs}
}

// featureClassifier loads the cached classifier when it was trained with
// the same settings, and trains one otherwise: Adam, batches of 128, up to
// generate.classifier_epochs epochs with early stopping on validation
// accuracy (patience 2, the best epoch's weights kept).
func featureClassifier(ctx context.Context, be backends.Backend, cfg *config.Config, run layout.Run, splits *data.Splits, log io.Writer) (*classifier, results.FeatureClassifier, error) {
	var st classifierState
	same := false
	if results.ReadJSON(run.FeatureClassifierJSON(), &st) == nil {
		var err error
		if same, err = sameSettings(st.Settings, classifierSettings(cfg)); err != nil {
			return nil, results.FeatureClassifier{}, fmt.Errorf("generate: comparing the settings with %s's: %w", run.FeatureClassifierJSON(), err)
		}
	}
	if same {
		if path, ok := layout.CheckpointPath(run.FeatureClassifier()); ok {
			c, err := newClassifier(be, cfg.Seed, splits.NumClasses(), splits.Train.ImageShape())
			if err != nil {
				return nil, st.Info, err
			}
			if err := engine.Attach(c.ctx, path); err != nil {
				return nil, st.Info, err
			}
			fmt.Fprintf(log, "feature classifier: cached in %s (test accuracy %.2f%%)\n", path, 100*st.Info.TestAccuracy)
			return c, st.Info, nil
		}
	}
	start := time.Now()
	c, err := newClassifier(be, cfg.Seed, splits.NumClasses(), splits.Train.ImageShape())
	if err != nil {
		return nil, results.FeatureClassifier{}, err
	}
	tr := train.NewTrainer(be, c.ctx.Checked(false), func(ctx *gctx.Context, _ any, in []*Node) []*Node {
		_, l := net(ctx, in[0], splits.NumClasses())
		return []*Node{l}
	}, losses.SparseCategoricalCrossEntropyLogits, optimizers.Adam().LearningRate(1e-3).Epsilon(1e-8).Done(), nil, nil)
	set := splits.Train
	const batch = 128
	steps := (set.Len() + batch - 1) / batch
	rng := data.NewRand(cfg.Seed, 41)
	var perm []int
	var best engine.Weights
	var bar *progress.Bar
	loop := &engine.Loop{Name: "classifier", Epochs: cfg.Generate.ClassifierEpochs, Steps: steps, Patience: 2, Maximize: true,
		StartEpoch: func(epoch int, _ *engine.Progress) error {
			perm = rng.Perm(set.Len())
			bar = progress.New(log, fmt.Sprintf("feature classifier, epoch %d", epoch+1), int64(steps), " steps")
			return nil
		},
		Step: func(_, step int) error {
			idx := perm[step*batch : min((step+1)*batch, len(perm))]
			b := set.Subset(idx)
			_, err := tr.TrainStep(nil, []*tensors.Tensor{engine.Batch(b)}, []*tensors.Tensor{labels(b.Labels)})
			bar.Add(1)
			return err
		},
		Score: func(int) (float64, bool, error) {
			bar.Finish()
			if splits.Validation.Len() == 0 {
				return 0, false, nil
			}
			acc, err := c.accuracy(splits.Validation)
			return acc, true, err
		},
		Improved: func(*engine.Progress) error { best = engine.Snapshot(c.ctx); return nil },
	}
	var p engine.Progress
	if err := loop.Run(ctx, &p); err != nil {
		return nil, results.FeatureClassifier{}, err
	}
	if best != nil {
		if err := engine.Restore(c.ctx, best); err != nil {
			return nil, results.FeatureClassifier{}, err
		}
	}
	acc, err := c.accuracy(splits.Test)
	if err != nil {
		return nil, results.FeatureClassifier{}, err
	}
	info := results.FeatureClassifier{Features: Features, Epochs: p.Epoch, TestAccuracy: acc, TrainImages: set.Len(), Seconds: time.Since(start).Seconds()}
	if err := os.MkdirAll(run.StageDir(layout.Generate), 0o755); err != nil {
		return nil, info, err
	}
	if err := engine.SaveCheckpoint(c.ctx, run.FeatureClassifier(), map[string]int{"epochs": p.Epoch}); err != nil {
		return nil, info, err
	}
	fmt.Fprintf(log, "feature classifier: %d epochs, test accuracy %.2f%% (%.0fs)\n", p.Epoch, 100*acc, info.Seconds)
	return c, info, atomicfile.WriteJSON(run.FeatureClassifierJSON(), classifierState{Settings: classifierSettings(cfg), Info: info})
}

func labels(ls []int) *tensors.Tensor {
	out := make([]int32, len(ls))
	for i, l := range ls {
		out[i] = int32(l)
	}
	return tensors.FromFlatDataAndDimensions(out, len(ls), 1)
}

// accuracy classifies a set.
func (c *classifier) accuracy(s *data.Set) (float64, error) {
	ok := 0
	for from := 0; from < s.Len(); from += 1000 {
		to := min(from+1000, s.Len())
		out, err := c.predict.Exec(engine.Batch(s.Slice(from, to)))
		if err != nil {
			return 0, err
		}
		pred, err := engine.Ints(nil, out[0])
		if err != nil {
			return 0, err
		}
		for i, p := range pred {
			if p == s.Labels[from+i] {
				ok++
			}
		}
	}
	return float64(ok) / float64(max(s.Len(), 1)), nil
}

// featuresOf computes the features of n images (of the classifier's shape), in
// batches.
func (c *classifier) featuresOf(pixels []float32) (*mat.Dense, error) {
	px := c.shape.Values()
	n := len(pixels) / px
	out := mat.NewDense(n, Features, nil)
	for from := 0; from < n; from += 1000 {
		to := min(from+1000, n)
		f, err := c.features.Exec(engine.Images(c.shape, pixels[from*px:to*px]))
		if err != nil {
			return nil, err
		}
		for i, v := range tensors.MustCopyFlatData[float32](f[0]) {
			out.RawMatrix().Data[from*Features+i] = float64(v)
		}
	}
	return out, nil
}

// sameSettings reports whether a and b read back from JSON equal.
func sameSettings(a, b any) (bool, error) {
	x, err := roundTrip(a)
	if err != nil {
		return false, err
	}
	y, err := roundTrip(b)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(x, y), nil
}
