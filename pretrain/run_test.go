package pretrain

import (
	"context"
	"encoding/csv"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/base/outdir"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// smallSplits cuts a few hundred real images: enough to train a handful of
// steps per epoch in seconds.
func smallSplits(t *testing.T) *data.Splits { return testutil.TinySplits(t, 192, 64, 64) }

// smallConfig trains 2 epochs of 6 steps (192 images, batch 32).
func smallConfig(t *testing.T) *config.Config {
	c := testutil.TinyConfig(t)
	c.Pretrain.Epochs = 2
	c.Pretrain.BatchSize = 32
	return c
}

// stopAfter is a context that is cancelled, as Ctrl-C would, after n
// pretraining steps.
func stopAfter(n int) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	return hooks.With(ctx, &hooks.Hooks{Step: func(loop string, steps int) {
		if loop == "pretrain" && steps == n {
			cancel()
		}
	}})
}

func TestRunWritesEverything(t *testing.T) {
	cfg := smallConfig(t)
	s, err := Run(context.Background(), cfg, stage.Env{Splits: smallSplits(t)})
	if err != nil {
		t.Fatal(err)
	}
	if s.Epochs != 2 || s.Parameters != 43889 || !(s.TestMSE > 0 && s.TestMSE < 0.2) || s.BestEpoch == 0 {
		t.Errorf("implausible summary %+v", s)
	}
	run := layout.At(cfg.OutputDir)
	// metrics.csv: header plus one row per epoch.
	f, err := os.Open(run.MetricsCSV())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 3 || !reflect.DeepEqual(rows[0], results.MetricsColumns) {
		t.Errorf("metrics.csv: %v rows %v", err, rows)
	}
	// PNGs decode with the expected sizes.
	for name, want := range map[string][2]int{run.LossPlot(): {576, 384}, run.Reconstructions(): {4*(28*3+4) + 4, 2*(16+2*(28*3+4)+16) + 4}} {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != want[0] || b.Dy() != want[1] {
			t.Errorf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), want[0], want[1])
		}
	}
	sum, err := results.ReadPretraining(run)
	if err != nil || sum.TestMSE != s.TestMSE {
		t.Errorf("summary.json: %v %+v", err, sum)
	}
	for _, name := range []string{run.Config(layout.Pretrain), run.MetricsJSON(), filepath.Join(run.LastCheckpoint(), layout.StateFile),
		filepath.Join(run.BestCheckpoint(), layout.StateFile)} {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	// The lock file stays; the lock on it must be released.
	if l, err := outdir.Acquire(run.StageDir(layout.Pretrain)); err != nil {
		t.Errorf("the folder is still locked after the run: %v", err)
	} else {
		l.Release()
	}
}

// TestResumeEqualsUninterrupted interrupts a run mid-epoch, resumes it, and
// compares with a run that was never interrupted.
func TestResumeEqualsUninterrupted(t *testing.T) {
	splits := smallSplits(t)
	a := smallConfig(t)
	sa, err := Run(context.Background(), a, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	b := smallConfig(t)
	_, err = Run(stopAfter(4), b, stage.Env{Splits: splits})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first session: %v, want ErrInterrupted", err)
	}
	_, err = Run(stopAfter(3), b, stage.Env{Splits: splits}) // into epoch 2
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("second session: %v, want ErrInterrupted", err)
	}
	sb, err := Run(context.Background(), b, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	// Same data order, weights and Adam state: the very same numbers.
	if sa.TestMSE != sb.TestMSE || sa.FinalTrain != sb.FinalTrain || sa.FinalVal != sb.FinalVal {
		t.Errorf("uninterrupted %+v\nresumed       %+v", sa, sb)
	}
	wa, wb := loadWeights(t, a.OutputDir), loadWeights(t, b.OutputDir)
	for name, ta := range wa {
		da, db := tensors.MustCopyFlatData[float32](ta), tensors.MustCopyFlatData[float32](wb[name])
		for i := range da {
			if da[i] != db[i] {
				t.Fatalf("%s[%d]: %v uninterrupted, %v resumed", name, i, da[i], db[i])
			}
		}
	}
}

func loadWeights(t *testing.T, dir string) engine.Weights {
	t.Helper()
	e := testutil.Engine(t, 99)
	if err := e.Load(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Loss(engine.Batch(data.Synthetic(1, 1))); err != nil { // creates the variables
		t.Fatal(err)
	}
	return e.Weights()
}

// TestModelCheckpointHoldsBestWeights: with early stopping on, the model
// checkpoint the later stages read holds the best epoch's weights, not the
// last epoch's.
func TestModelCheckpointHoldsBestWeights(t *testing.T) {
	cfg := smallConfig(t)
	cfg.Pretrain.Epochs, cfg.Pretrain.Patience = 3, 5
	cfg.Pretrain.LearningRate = 0.1 // large steps: the validation loss does not fall every epoch
	splits := smallSplits(t)
	s, err := Run(context.Background(), cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if s.BestEpoch == s.Epochs {
		t.Fatalf("the best epoch is the last (%d): the test needs a run whose last epoch is not its best", s.BestEpoch)
	}
	run := layout.At(cfg.OutputDir)
	model, best := loadWeights(t, run.ModelCheckpoint()), loadWeights(t, run.BestCheckpoint())
	for name, w := range best {
		if !reflect.DeepEqual(tensors.MustCopyFlatData[float32](w), tensors.MustCopyFlatData[float32](model[name])) {
			t.Fatalf("%s differs between the model checkpoint and checkpoint-best (best epoch %d of %d)", name, s.BestEpoch, s.Epochs)
		}
	}
	e := testutil.Engine(t, 1)
	if err := e.Load(cfg.OutputDir); err != nil {
		t.Fatal(err)
	}
	got, err := e.MeanLoss(splits.Validation, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got != s.BestVal {
		t.Errorf("the model checkpoint's validation loss %v, the best epoch's %v", got, s.BestVal)
	}
}

func TestNaNStopsWithAdvice(t *testing.T) {
	splits := smallSplits(t)
	bad := splits.Train.Subset(seqInts(splits.Train.Len()))
	bad.Images[40*data.Pixels+3] = float32(math.NaN()) // image 40: in the second batch of 32
	splits.Train = bad
	cfg := smallConfig(t)
	_, err := Run(context.Background(), cfg, stage.Env{Splits: splits})
	if !errors.Is(err, ErrNotFinite) {
		t.Fatalf("err = %v, want ErrNotFinite", err)
	}
	for _, want := range []string{"epoch 1", "learning_rate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func seqInts(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestSecondRunIsLockedOut(t *testing.T) {
	cfg := smallConfig(t)
	dir := Stage.Dir(cfg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := outdir.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	_, err = Run(context.Background(), cfg, stage.Env{Splits: smallSplits(t)})
	if !errors.Is(err, outdir.ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
}

func TestResumeRefusesOtherSettings(t *testing.T) {
	splits := smallSplits(t)
	cfg := smallConfig(t)
	if _, err := Run(stopAfter(2), cfg, stage.Env{Splits: splits}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	cfg.Pretrain.LearningRate = 0.01
	_, err := Run(context.Background(), cfg, stage.Env{Splits: splits})
	if err == nil || !strings.Contains(err.Error(), "--restart") {
		t.Fatalf("resuming with another learning rate: %v", err)
	}
	if _, err := Run(context.Background(), cfg, stage.Env{Splits: splits, Restart: true}); err != nil {
		t.Fatalf("--restart: %v", err)
	}
}

// TestVAEPretraining: the VAE pretrains with a KL warm-up, writes its
// ELBO's parts, and an interrupted run resumes to the very numbers of an
// uninterrupted one (the sampling generator's state is in the checkpoint).
func TestVAEPretraining(t *testing.T) {
	splits := smallSplits(t)
	vae := func() *config.Config {
		c := smallConfig(t)
		c.Pretrain.Model, c.Model.Code, c.Pretrain.KLWarmup = "vae", 4, 1
		return c
	}
	a := vae()
	sa, err := Run(context.Background(), a, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if sa.Model != "vae" || sa.Latent != 4 || !(sa.TestRecon > 0 && sa.TestKL > 0) || math.Abs(sa.TestLoss-(sa.TestRecon+sa.TestKL)) > 1e-9 ||
		!(sa.TestMSE > 0 && sa.TestMSE < 0.2) {
		t.Errorf("summary %+v", sa)
	}
	h, err := results.ReadHistory(layout.At(a.OutputDir))
	if err != nil {
		t.Fatal(err)
	}
	// Warm-up over 1 epoch of 6 steps: the first epoch ends at 5/6 of
	// beta, the second at beta.
	if len(h) != 2 || math.Abs(h[0].KLWeight-5.0/6) > 1e-12 || h[1].KLWeight != 1 || !(h[0].ValKL > 0) {
		t.Errorf("history %+v", h)
	}
	b := vae()
	if _, err := Run(stopAfter(4), b, stage.Env{Splits: splits}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first session: %v", err)
	}
	sb, err := Run(context.Background(), b, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if sa.TestLoss != sb.TestLoss || sa.FinalTrain != sb.FinalTrain {
		t.Errorf("uninterrupted %+v\nresumed       %+v", sa, sb)
	}
}

// killOutput is a context whose Weights hook kills the output layer (the
// last transposed convolution's weights 0, biases -1: every reconstruction
// 0 and no gradient) after step 5 of the first `times` initialisations.
func killOutput(t *testing.T, times int) context.Context {
	killed := 0
	return hooks.With(context.Background(), &hooks.Hooks{Weights: func(step int, vars *gctx.Context) {
		if step != 5 || killed >= times {
			return
		}
		killed++
		for v := range vars.IterVariables() {
			if v.Scope() != "/decoder/deconv3" {
				continue
			}
			fill := float32(0)
			if v.Name() == "biases" {
				fill = -1
			}
			vals := make([]float32, v.Shape().Size())
			for i := range vals {
				vals[i] = fill
			}
			if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...)); err != nil {
				t.Error(err)
			}
		}
	}})
}

// TestDeadOutputIsRedrawn: an output layer that dies in the first steps is
// caught, logged and drawn again, and training then completes; one that
// dies again stops pretraining with an error saying what happened and what
// to change.
func TestDeadOutputIsRedrawn(t *testing.T) {
	cfg := smallConfig(t)
	cfg.Pretrain.Epochs = 1
	var log strings.Builder
	s, err := Run(killOutput(t, 1), cfg, stage.Env{Splits: smallSplits(t), Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "the output layer died in the first 6 steps") {
		t.Errorf("the log does not say the output died:\n%s", log.String())
	}
	if s.InitSeed == cfg.Seed || !(s.TestMSE > 0 && s.TestMSE < 0.15) {
		t.Errorf("after the redraw: init seed %d (the config's %d), test MSE %v", s.InitSeed, cfg.Seed, s.TestMSE)
	}

	cfg.OutputDir = t.TempDir()
	_, err = Run(killOutput(t, 2), cfg, stage.Env{Splits: smallSplits(t)})
	for _, want := range []string{"died again", "every reconstruction 0", "pretrain.learning_rate"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("dying twice: %v, want an error saying %q", err, want)
		}
	}
}

// TestResumeRefusesAnotherModel: a checkpoint left by an interrupted run
// is not resumed under a changed model section; the error names both
// architectures.
func TestResumeRefusesAnotherModel(t *testing.T) {
	cfg := smallConfig(t)
	if _, err := Run(stopAfter(3), cfg, stage.Env{Splits: smallSplits(t)}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	cfg.Model.Code = 8
	_, err := Run(context.Background(), cfg, stage.Env{Splits: smallSplits(t)})
	for _, want := range []string{"ae 28x28x1 [16 32 64] map 576", "ae 28x28x1 [16 32 64] dense 8", "--restart"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resuming under model.code 8: %v, want it to say %q", err, want)
		}
	}
}
