package finetune

import (
	"context"
	"errors"
	"image/png"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

func tinyFinetune(t *testing.T) (*config.Config, *data.Splits) {
	cfg, splits := testutil.PretrainedExperiment(t, 300, 64, 200)
	cfg.Finetune.LabelsPerClass = []config.LabelCount{5}
	cfg.Finetune.Seeds = 1
	cfg.Finetune.Epochs = 25
	cfg.Finetune.Patience = 0
	cfg.Finetune.LearningRate = 0.003
	cfg.Finetune.Head = []int{16}
	return cfg, splits
}

// TestMethodsAndFreezing: frozen training leaves the encoder bit-identical
// to the checkpoint; unfrozen and scratch change theirs; every method saw
// the same labelled subset.
func TestMethodsAndFreezing(t *testing.T) {
	cfg, splits := tinyFinetune(t)
	enc, err := encoder.Load(cfg.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	pretrained := enc.Weight("/encoder/conv2", "weights")
	if len(pretrained) != 3*3*16*32 {
		t.Fatalf("checkpoint conv2 weights: %d values", len(pretrained))
	}
	got := map[string][]float32{}
	var sizes []int
	ctx := hooks.With(context.Background(), &hooks.Hooks{Classifier: func(c hooks.Classifier) {
		got[c.Method] = c.Weight("/encoder/conv2", "weights")
		sizes = append(sizes, c.TrainImages, c.HeldOutImages)
	}})
	res, err := Run(ctx, cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got["frozen"], pretrained) {
		t.Error("frozen training changed the encoder's weights")
	}
	for _, m := range []string{"unfrozen", "scratch"} {
		if reflect.DeepEqual(got[m], pretrained) || got[m] == nil {
			t.Errorf("%s training left the encoder exactly as pretrained", m)
		}
	}
	if len(res.Runs) != 3 || len(res.Summary) != 3 {
		t.Fatalf("runs %d, summary rows %d", len(res.Runs), len(res.Summary))
	}
	for i := 2; i < len(sizes); i += 2 {
		if sizes[i] != sizes[0] || sizes[i+1] != sizes[1] {
			t.Errorf("methods trained on different subsets: %v", sizes)
		}
	}
	if sizes[0] != 40 || sizes[1] != 10 { // 5 per class: 4 train, 1 held out
		t.Errorf("train/held-out sizes %d/%d, want 40/10", sizes[0], sizes[1])
	}
	for _, r := range res.Runs {
		t.Logf("%s: test accuracy %.3f after %d epochs", r.Method, r.TestAccuracy, r.Epochs)
		if r.TestAccuracy < 0 || r.TestAccuracy > 1 || r.MacroF1 < 0 || r.MacroF1 > 1 || r.Epochs < 1 || r.BestEpoch > r.Epochs {
			t.Errorf("implausible run %+v", r)
		}
	}
	// 25 steps on 40 images: some method must be well above chance (10%).
	// At chance, 40 or more right of the 200 test images has probability
	// about 2e-5 (binomial), so 20% is a margin chance does not reach
	// while the small encoders here are still far from their best.
	bestAcc := 0.0
	for _, r := range res.Runs {
		bestAcc = max(bestAcc, r.TestAccuracy)
	}
	if bestAcc < 0.2 {
		t.Errorf("best test accuracy %.3f: no method learned", bestAcc)
	}
	run := layout.At(cfg.OutputDir)
	for _, f := range []string{run.EfficiencyPlot(), run.ConfusionPlot()} {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(fh); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		fh.Close()
	}
	md, err := os.ReadFile(run.FinetuneSummary())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| frozen | 5 | 1 |") {
		t.Errorf("summary.md:\n%s", md)
	}
	csv, err := os.ReadFile(run.FinetuneResultsCSV())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(csv), "\n"); n != 4 {
		t.Errorf("results.csv has %d lines, want header + 3", n)
	}
}

// TestResumeSkipsFinishedRuns interrupts finetune twice — between two
// classifiers, then in the middle of one — and checks the resumed results
// equal an uninterrupted run's, with only the unfinished work redone.
func TestResumeSkipsFinishedRuns(t *testing.T) {
	cfg, splits := tinyFinetune(t)
	cfg.Finetune.Methods = []config.Method{config.Frozen, config.Scratch}
	cfg.Finetune.Epochs = 4
	whole, err := Run(context.Background(), cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	cfg2 := *cfg
	cfg2.OutputDir = t.TempDir()
	testutil.Pretrained(t, &cfg2, splits)
	// First session: cancelled as the first classifier finishes.
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Run(hooks.With(ctx, &hooks.Hooks{Classifier: func(hooks.Classifier) { cancel() }}), &cfg2, stage.Env{Splits: splits})
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "run again to continue") {
		t.Fatalf("err = %v, want an interruption", err)
	}
	// Second session: cancelled after 3 steps of the second classifier.
	ctx, cancel = context.WithCancel(context.Background())
	_, err = Run(hooks.With(ctx, &hooks.Hooks{Step: func(_ string, n int) {
		if n == 3 {
			cancel()
		}
	}}), &cfg2, stage.Env{Splits: splits})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("second session: err = %v, want an interruption", err)
	}
	ran := 0
	res, err := Run(hooks.With(context.Background(), &hooks.Hooks{Classifier: func(hooks.Classifier) { ran++ }}), &cfg2, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if ran != 1 || len(res.Runs) != 2 {
		t.Errorf("resumed run trained %d classifiers (want 1) and reports %d (want 2)", ran, len(res.Runs))
	}
	for i := range whole.Runs {
		a, b := whole.Runs[i], res.Runs[i]
		a.Seconds, b.Seconds = 0, 0
		if !reflect.DeepEqual(a, b) {
			t.Errorf("run %d: uninterrupted %+v\nresumed       %+v", i, a, b)
		}
	}
}

// TestAllLabels: labels_per_class "all" trains on every training image
// (here the 300 of the tiny splits), is written "all" in results.csv and
// summary.md and 0 in results.json, which reads back as all; a second Run
// finds its finished classifier in results.json and trains nothing.
func TestAllLabels(t *testing.T) {
	cfg, splits := tinyFinetune(t)
	cfg.Finetune.LabelsPerClass = []config.LabelCount{config.AllLabels}
	cfg.Finetune.Methods = []config.Method{config.Frozen}
	cfg.Finetune.Epochs = 2
	var seen []hooks.Classifier
	ctx := hooks.With(context.Background(), &hooks.Hooks{Classifier: func(c hooks.Classifier) { seen = append(seen, c) }})
	res, err := Run(ctx, cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].TrainImages+seen[0].HeldOutImages != splits.Train.Len() || seen[0].LabelsPerClass >= 0 {
		t.Fatalf("classifiers trained: %+v, want one on all %d training images, labels per class negative (all)", seen, splits.Train.Len())
	}
	if len(res.Runs) != 1 || res.Runs[0].LabelsPerClass != config.AllLabels {
		t.Fatalf("runs %+v", res.Runs)
	}
	run := layout.At(cfg.OutputDir)
	csv, err := os.ReadFile(run.FinetuneResultsCSV())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csv), "\nfrozen,all,") {
		t.Errorf("results.csv does not say all:\n%s", csv)
	}
	md, err := os.ReadFile(run.FinetuneSummary())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| frozen | all | 1 |") {
		t.Errorf("summary.md does not say all:\n%s", md)
	}
	js, err := os.ReadFile(run.FinetuneResultsJSON())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"labels_per_class": 0`) || strings.Contains(string(js), `"labels_per_class": -1`) {
		t.Errorf("results.json does not write all as 0")
	}
	back, err := results.ReadTransfer(run)
	if err != nil || back.Runs[0].LabelsPerClass != config.AllLabels || back.Summary[0].LabelsPerClass != config.AllLabels {
		t.Fatalf("results.json read back: %v, %+v", err, back)
	}
	seen = nil
	if _, err := Run(ctx, cfg, stage.Env{Splits: splits}); err != nil || len(seen) != 0 {
		t.Errorf("second Run: %v, trained %d classifiers, want 0", err, len(seen))
	}
}

// TestMacroF1 against a hand computation.
func TestMacroF1(t *testing.T) {
	truth := []int{0, 0, 1, 1, 2}
	pred := []int{0, 1, 1, 1, 0}
	// class 0: tp 1, predicted 2, actual 2 -> F1 0.5
	// class 1: tp 2, predicted 3, actual 2 -> F1 0.8
	// class 2: tp 0, predicted 0, actual 1 -> F1 0; classes 3-9 absent: 0.
	f1, cm := macroF1(pred, truth, 10)
	if want := (0.5 + 0.8) / 10; math.Abs(f1-want) > 1e-12 {
		t.Errorf("macro-F1 %v, want %v", f1, want)
	}
	if cm[2][0] != 1 || cm[0][1] != 1 {
		t.Errorf("confusion %v", cm[:3])
	}
	if m, s := meanStd([]float64{1, 2, 3}); m != 2 || math.Abs(s-1) > 1e-12 {
		t.Errorf("meanStd = %v, %v; want 2, 1", m, s)
	}
}
