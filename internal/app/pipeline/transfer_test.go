package pipeline

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
	"github.com/hourglass-ml/hourglass/pretrain"
)

// classSplits loads real Fashion-MNIST keeping only classes, cut to a few
// hundred images.
func classSplits(t *testing.T, classes []string) *data.Splits {
	t.Helper()
	s, err := data.Prepare(config.Data{Source: "fashion-mnist", Classes: classes, Validation: 100, TrainSubset: 300}, data.Grey28, 1, nil)
	if err != nil {
		t.Fatalf("the real Fashion-MNIST is needed for this test (make setup installs it): %v", err)
	}
	s.Test = s.Test.Slice(0, 200)
	return s
}

// TestTransferAcrossClasses is configs/transfer-across-classes.yaml in
// small, on real images: an encoder pretrained on five garment classes
// (data.classes) is taken as it is (pretrain.from, pretrain.epochs 0) by an
// experiment on the other five, whose finetune takes its first block or
// all three (finetune.blocks) against scratch. The pretraining summary
// and the report say where the encoder came from and on which classes it
// was trained; every transfer figure in the report's table is the mean of
// the runs results.json records for that method, block count and label
// count (recomputed here); the blocks plot is drawn.
func TestTransferAcrossClasses(t *testing.T) {
	garments := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"}
	others := []string{"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

	src := testutil.TinyConfig(t)
	src.Data.Classes, src.Pretrain.Epochs = garments, 2
	if _, err := pretrain.Run(context.Background(), src, stage.Env{Splits: classSplits(t, garments)}); err != nil {
		t.Fatal(err)
	}

	cfg := testutil.TinyConfig(t)
	cfg.Data.Classes = others
	cfg.Pretrain.From, cfg.Pretrain.Epochs = src.OutputDir, 0
	cfg.Finetune.LabelsPerClass, cfg.Finetune.Seeds, cfg.Finetune.Epochs = []config.LabelCount{5}, 2, 3
	cfg.Finetune.Methods, cfg.Finetune.Blocks = []config.Method{config.Frozen, config.Scratch}, []int{1, 3}
	splits := classSplits(t, others)
	if got := outcome(t, context.Background(), cfg, Options{Env: stage.Env{Splits: splits}}); !slices.Equal(got, want("ran", "ran", "ran", "ran", "ran")) {
		t.Fatalf("run: %v", got)
	}
	run := layout.At(cfg.OutputDir)

	p, err := results.ReadPretraining(run)
	if err != nil {
		t.Fatal(err)
	}
	wantData := "fashion-mnist, classes " + strings.Join(garments, ", ")
	if p.From != src.OutputDir || p.FromData != wantData || p.FromEpochs != 2 || p.Epochs != 0 {
		t.Errorf("pretraining: from %q on %q (%d epochs there), %d here; want %q on %q, 2, 0", p.From, p.FromData, p.FromEpochs, p.Epochs, src.OutputDir, wantData)
	}
	md, err := os.ReadFile(run.ReportMarkdown())
	if err != nil {
		t.Fatal(err)
	}
	report := string(md)
	if w := fmt.Sprintf("The encoder is the model of %s (trained 2 epochs on %s there), taken as it is", src.OutputDir, wantData); !strings.Contains(report, w) {
		t.Errorf("report.md does not say where the encoder came from: want %q", w)
	}
	if !strings.Contains(report, "Sandal") || !strings.Contains(report, "Ankle boot") {
		t.Errorf("report.md does not name this experiment's classes")
	}

	tr, err := results.ReadTransfer(run)
	if err != nil {
		t.Fatal(err)
	}
	// Each arm's runs, grouped here from results.json's runs.
	type arm struct {
		label string
		n     config.LabelCount
	}
	accs := map[arm][]float64{}
	for _, r := range tr.Runs {
		label := string(r.Method)
		if r.Blocks > 0 {
			label += fmt.Sprintf("/%d", r.Blocks)
		}
		accs[arm{label, r.LabelsPerClass}] = append(accs[arm{label, r.LabelsPerClass}], r.TestAccuracy)
	}
	for _, a := range []arm{{"frozen/1", 5}, {"frozen/3", 5}, {"scratch", 5}} {
		got := accs[a]
		if len(got) != 2 {
			t.Errorf("%s at %d labels: %d runs in results.json, want 2 (seeds)", a.label, a.n, len(got))
			continue
		}
		mean := (got[0] + got[1]) / 2
		row := fmt.Sprintf("| %s | %d | 2 | %.2f%% ± ", a.label, a.n, 100*mean)
		if !strings.Contains(report, row) {
			t.Errorf("report.md has no transfer row %q (the mean of results.json's runs %v)", row, got)
		}
	}
	if len(accs) != 3 {
		t.Errorf("results.json holds arms %v, want frozen/1, frozen/3 and scratch", accs)
	}
	if st, err := os.Stat(run.BlocksPlot()); err != nil || st.Size() == 0 {
		t.Errorf("blocks plot: %v", err)
	}
}
