package pretrain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// pretrained runs a whole small pretraining (smallConfig: 2 epochs) and
// returns its configuration: the experiment pretrain.from names.
func pretrained(t *testing.T, splits *data.Splits) *config.Config {
	t.Helper()
	src := smallConfig(t)
	if _, err := Run(context.Background(), src, stage.Env{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	return src
}

// fromConfig is smallConfig starting from src's model for epochs epochs.
func fromConfig(t *testing.T, src *config.Config, epochs int) *config.Config {
	c := smallConfig(t)
	c.Pretrain.From, c.Pretrain.Epochs = src.OutputDir, epochs
	return c
}

// sameWeights fails the test where two sets of weights differ in any bit.
func sameWeights(t *testing.T, what string, a, b engine.Weights) {
	t.Helper()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%s: %d weights against %d", what, len(a), len(b))
	}
	for name, ta := range a {
		tb, ok := b[name]
		if !ok {
			t.Fatalf("%s: no %s in the second", what, name)
		}
		if !reflect.DeepEqual(tensors.MustCopyFlatData[float32](ta), tensors.MustCopyFlatData[float32](tb)) {
			t.Fatalf("%s: %s differs", what, name)
		}
	}
}

// differ says whether some weight of a differs from b's (or b lacks it).
func differ(a, b engine.Weights) bool {
	for name, ta := range a {
		tb, ok := b[name]
		if !ok || !reflect.DeepEqual(tensors.MustCopyFlatData[float32](ta), tensors.MustCopyFlatData[float32](tb)) {
			return true
		}
	}
	return false
}

// TestFromZeroEpochsIsTheSourceModel: pretrain.from with 0 epochs writes a
// finished pretraining whose model encodes the test images to codes
// bit-identical to the source experiment's (through the encoder package,
// as finetune reads it), and whose test and validation losses are the
// source model's, measured again here with an engine loaded from the
// source; the summary names the source, its 2 epochs and its data; the metrics have
// no rows and there is no loss curve.
func TestFromZeroEpochsIsTheSourceModel(t *testing.T) {
	splits := smallSplits(t)
	src := pretrained(t, splits)
	cfg := fromConfig(t, src, 0)
	var log strings.Builder
	s, err := Run(context.Background(), cfg, stage.Env{Splits: splits, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if s.From != src.OutputDir || s.FromEpochs != 2 || s.Epochs != 0 {
		t.Errorf("summary: from %q (%d epochs there), %d epochs here; want %q, 2, 0", s.From, s.FromEpochs, s.Epochs, src.OutputDir)
	}
	// The source's config.yaml says what it was trained on.
	if want := src.Data.Source + ", every class"; s.FromData != want {
		t.Errorf("summary: the source was trained on %q, want %q", s.FromData, want)
	}
	codes := func(dir string) []float32 {
		t.Helper()
		enc, err := encoder.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		c, err := enc.Encode(splits.Test.Images)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want, got := codes(src.OutputDir), codes(cfg.OutputDir)
	if len(want) != splits.Test.Len()*576 || !reflect.DeepEqual(got, want) {
		t.Errorf("codes of %d values; they differ from the source's (%d values)", len(got), len(want))
	}
	e := testutil.Engine(t, 5)
	if err := e.Load(src.OutputDir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		set  *data.Set
		got  float64
	}{{"test", splits.Test, s.TestLoss}, {"validation", splits.Validation, s.FinalVal}, {"best validation", splits.Validation, s.BestVal}, {"train", splits.Train, s.FinalTrain}} {
		l, err := e.MeanLoss(c.set, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if l != c.got {
			t.Errorf("%s loss %v, the source model's %v", c.name, c.got, l)
		}
	}
	run := layout.At(cfg.OutputDir)
	if h, err := results.ReadHistory(run); err != nil || h == nil || len(h) != 0 {
		t.Errorf("metrics.json: %v, %v; want an empty list", h, err)
	}
	if _, err := os.Stat(run.LossPlot()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a loss curve of no epochs: %v", err)
	}
	for _, p := range []string{run.Reconstructions(), run.PretrainSummary(), filepath.Join(run.ModelCheckpoint(), layout.SpecFile)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
	if !strings.Contains(log.String(), "starting from the weights of "+src.OutputDir) {
		t.Errorf("the log does not say where the weights came from:\n%s", log.String())
	}
}

// TestFromStartsAtTheSourceWeights: the weights the first step trains
// (Weights hook at step 0) are the source model's, bit for bit, and not
// the random ones the same seed draws without pretrain.from.
func TestFromStartsAtTheSourceWeights(t *testing.T) {
	splits := smallSplits(t)
	src := pretrained(t, splits)
	start := func(cfg *config.Config) engine.Weights {
		t.Helper()
		var w engine.Weights
		ctx := hooks.With(context.Background(), &hooks.Hooks{Weights: func(step int, vars *gctx.Context) {
			if step == 0 {
				w = engine.Snapshot(vars)
			}
		}})
		if _, err := Run(ctx, cfg, stage.Env{Splits: splits}); err != nil {
			t.Fatal(err)
		}
		return w
	}
	want := loadWeights(t, src.OutputDir)
	sameWeights(t, "the weights training starts from against the source's", start(fromConfig(t, src, 1)), want)
	if fresh := start(smallConfig(t)); !differ(fresh, want) {
		t.Error("a run without pretrain.from starts from the source's weights too: the check tells nothing")
	}
}

// TestFromResumeEqualsUninterrupted: a run from another model, interrupted
// twice (mid-epoch, then into the second epoch), resumes from its own
// checkpoint, not from the source (its last session takes only the 5
// steps left of 12), and ends with the very numbers and weights of an
// uninterrupted run, which differ from the source's.
func TestFromResumeEqualsUninterrupted(t *testing.T) {
	splits := smallSplits(t)
	src := pretrained(t, splits)
	a := fromConfig(t, src, 2)
	sa, err := Run(context.Background(), a, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	b := fromConfig(t, src, 2)
	if _, err := Run(stopAfter(4), b, stage.Env{Splits: splits}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first session: %v, want ErrInterrupted", err)
	}
	if _, err := Run(stopAfter(3), b, stage.Env{Splits: splits}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("second session: %v, want ErrInterrupted", err)
	}
	steps := 0
	count := hooks.With(context.Background(), &hooks.Hooks{Step: func(loop string, n int) { steps = n }})
	sb, err := Run(count, b, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if steps != 5 {
		t.Errorf("the last session took %d steps, want the 5 left of 12", steps)
	}
	if sa.TestMSE != sb.TestMSE || sa.FinalTrain != sb.FinalTrain || sa.FinalVal != sb.FinalVal || sb.From != src.OutputDir || sb.Epochs != 2 {
		t.Errorf("uninterrupted %+v\nresumed       %+v", sa, sb)
	}
	wa := loadWeights(t, a.OutputDir)
	sameWeights(t, "uninterrupted against resumed", wa, loadWeights(t, b.OutputDir))
	if !differ(wa, loadWeights(t, src.OutputDir)) {
		t.Error("2 epochs from the source left its weights as they were")
	}
}

// TestFromResumeRefusesAnotherSource: an interrupted run from one model is
// not resumed with pretrain.from naming another, nor after its source was
// pretrained again (same path, other weights); --restart starts over.
func TestFromResumeRefusesAnotherSource(t *testing.T) {
	splits := smallSplits(t)
	src, other := pretrained(t, splits), pretrained(t, splits)
	cfg := fromConfig(t, src, 2)
	if _, err := Run(stopAfter(3), cfg, stage.Env{Splits: splits}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	moved := *cfg
	moved.Pretrain.From = other.OutputDir
	_, err := Run(context.Background(), &moved, stage.Env{Splits: splits})
	if err == nil || !strings.Contains(err.Error(), "other data, seed or pretrain settings") || !strings.Contains(err.Error(), "--restart") ||
		!strings.Contains(err.Error(), fmt.Sprintf("pretrain.from was %q, now %q", src.OutputDir, other.OutputDir)) || strings.Contains(err.Error(), "pretrain changed") {
		t.Errorf("resuming with another pretrain.from: %v", err)
	}
	src.Pretrain.Epochs = 3 // one epoch more: the source model changes under its path
	if _, err := Run(context.Background(), src, stage.Env{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), cfg, stage.Env{Splits: splits})
	for _, want := range []string{"pretrain.from " + src.OutputDir, "has changed since", "--restart"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resuming after the source changed: %v, want it to say %q", err, want)
		}
	}
	if _, err := Run(context.Background(), cfg, stage.Env{Splits: splits, Restart: true}); err != nil {
		t.Errorf("--restart: %v", err)
	}
}

// TestFromBadInput: every bad pretrain.from is an error before any work
// (this experiment's pretrain folder is never made), from Run and from
// Inputs alike (`hourglass run` checks it before its first stage), naming
// the key, the path or file at fault and what to do.
func TestFromBadInput(t *testing.T) {
	splits := smallSplits(t)
	src := pretrained(t, splits)
	srcModel := layout.At(src.OutputDir).ModelCheckpoint()

	// An experiment whose pretraining was interrupted.
	unfinished := smallConfig(t)
	if _, err := Run(stopAfter(2), unfinished, stage.Env{Splits: splits}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	// An experiment folder without a model (another stage's folder only).
	empty := t.TempDir()
	if err := os.MkdirAll(layout.At(empty).StageDir(layout.Pretrain), 0o755); err != nil {
		t.Fatal(err)
	}
	// Copies of the source's model, one with a damaged data file, one
	// with a damaged architecture.
	copyModel := func() string {
		dst := filepath.Join(t.TempDir(), "checkpoint-copy")
		if err := os.CopyFS(dst, os.DirFS(srcModel)); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	truncated := copyModel()
	bins, err := filepath.Glob(filepath.Join(truncated, "*.bin"))
	if err != nil || len(bins) != 1 {
		t.Fatalf("the checkpoint holds %d data files (%v), want 1", len(bins), err)
	}
	if err := os.Truncate(bins[0], 100); err != nil {
		t.Fatal(err)
	}
	badSpec := copyModel()
	if err := os.WriteFile(filepath.Join(badSpec, layout.SpecFile), []byte(`{"kind": "ae", "filters": [`), 0o644); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		edit  func(c *config.Config)
		wants []string
	}{
		{"missing", func(c *config.Config) { c.Pretrain.From = filepath.Join(src.OutputDir, "nope") },
			[]string{"pretrain.from: " + filepath.Join(src.OutputDir, "nope") + " does not exist", `set pretrain.from to a finished experiment's output folder`}},
		{"a file", func(c *config.Config) { c.Pretrain.From = layout.At(src.OutputDir).PretrainSummary() },
			[]string{"pretrain.from: " + layout.At(src.OutputDir).PretrainSummary() + " is a file, not a folder", `set pretrain.from to a finished experiment's output folder`}},
		{"no model", func(c *config.Config) { c.Pretrain.From = empty },
			[]string{"pretrain.from: " + empty + " holds no model", filepath.Join(empty, "pretrain", "checkpoint-last", "state.json") + " is missing", "run it first"}},
		{"no model in a pretrain folder", func(c *config.Config) { c.Pretrain.From = layout.At(empty).StageDir(layout.Pretrain) },
			[]string{"holds no model", filepath.Join(empty, "pretrain", "checkpoint-last", "state.json") + " is missing"}},
		{"unfinished", func(c *config.Config) { c.Pretrain.From = unfinished.OutputDir },
			[]string{"pretrain.from: the pretraining in " + layout.At(unfinished.OutputDir).StageDir(layout.Pretrain) + " has not finished",
				layout.At(unfinished.OutputDir).PretrainSummary(), "run it to the end first"}},
		{"another architecture", func(c *config.Config) { c.Pretrain.From, c.Model.Code = src.OutputDir, 16 },
			[]string{"pretrain.from: " + src.OutputDir + " holds a model of another architecture", "(ae 28x28x1 [16 32 64] map 576)", "(ae 28x28x1 [16 32 64] dense 16)"}},
		{"a VAE's place", func(c *config.Config) { c.Pretrain.From, c.Pretrain.Model = src.OutputDir, "vae" },
			[]string{"another architecture", "(ae 28x28x1 [16 32 64] map 576)", "(vae 28x28x1 [16 32 64] latent 16)"}},
		{"damaged data", func(c *config.Config) { c.Pretrain.From = truncated },
			[]string{"pretrain.from " + truncated, bins[0]}},
		{"damaged architecture", func(c *config.Config) { c.Pretrain.From = badSpec },
			[]string{"pretrain.from " + badSpec, filepath.Join(badSpec, layout.SpecFile) + " is corrupt"}},
		{"its own model", func(c *config.Config) { c.Pretrain.From = c.OutputDir },
			[]string{"is this experiment's own model"}},
	}
	for _, tc := range cases {
		cfg := smallConfig(t)
		tc.edit(cfg)
		_, runErr := Run(context.Background(), cfg, stage.Env{Splits: splits})
		for _, err := range []error{runErr, Inputs(cfg)} {
			for _, w := range tc.wants {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("%s: %v, want it to say %q", tc.name, err, w)
				}
			}
		}
		if _, err := os.Stat(Stage.Dir(cfg)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the pretrain folder was made before the error: %v", tc.name, err)
		}
	}
	// The source's pretrain folder and a checkpoint folder in it are
	// accepted as well as its output folder.
	for _, p := range []string{layout.At(src.OutputDir).StageDir(layout.Pretrain), srcModel, copyModel()} {
		cfg := smallConfig(t)
		cfg.Pretrain.From = p
		if err := Inputs(cfg); err != nil {
			t.Errorf("pretrain.from %s: %v", p, err)
		}
	}
}

// oldPretrain is config.Pretrain as it was before pretrain.from: what the
// pipeline's fingerprints of every earlier experiment were made of.
type oldPretrain struct {
	Model                       string
	Beta                        float64
	KLWarmup, Epochs, BatchSize int
	LearningRate, Beta1, Beta2  float64
	Epsilon                     float64
	Schedule                    string
	Patience, Reconstructions   int
}

// TestFromFingerprint: the pretrain stage's settings (what the pipeline's
// fingerprint of it hashes, as JSON) are without pretrain.from what they
// were before the key (so earlier experiments stay up to date); they
// change with pretrain.from, and with the source model under the same
// path; a source removed after this experiment pretrained leaves them as
// they were.
func TestFromFingerprint(t *testing.T) {
	settingsJSON := func(c *config.Config) string {
		t.Helper()
		b, err := json.Marshal(Stage.Settings(c))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	plain := smallConfig(t)
	p := plain.Pretrain
	old, err := json.Marshal([]any{plain.Seed, plain.Backend, plain.Data, plain.Model, oldPretrain{p.Model, p.Beta, p.KLWarmup, p.Epochs, p.BatchSize,
		p.LearningRate, p.Beta1, p.Beta2, p.Epsilon, p.Schedule, p.Patience, p.Reconstructions}})
	if err != nil {
		t.Fatal(err)
	}
	if got := settingsJSON(plain); got != string(old) {
		t.Errorf("without pretrain.from the settings are\n%s\nbefore the key they were\n%s", got, old)
	}

	splits := smallSplits(t)
	a, b := pretrained(t, splits), pretrained(t, splits)
	cfg := fromConfig(t, a, 0)
	fromA := settingsJSON(cfg)
	cfg.Pretrain.From = b.OutputDir
	if fromA == settingsJSON(cfg) || fromA == string(old) {
		t.Error("the settings do not change with pretrain.from")
	}
	cfg.Pretrain.From = a.OutputDir
	if _, err := Run(context.Background(), cfg, stage.Env{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	if got := settingsJSON(cfg); got != fromA {
		t.Errorf("pretraining changed the settings: %s, then %s", fromA, got)
	}
	a.Pretrain.Epochs = 3 // the source pretrained further, under the same path
	if _, err := Run(context.Background(), a, stage.Env{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	again := settingsJSON(cfg)
	if again == fromA {
		t.Error("the settings do not change when the source model does")
	}
	if err := os.RemoveAll(a.OutputDir); err != nil {
		t.Fatal(err)
	}
	if got := settingsJSON(cfg); got != fromA {
		t.Errorf("with the source removed the settings are\n%s\nwant the hash this experiment's model recorded, as in\n%s", got, fromA)
	}
}
