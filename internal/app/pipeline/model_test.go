package pipeline

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// TestSixteenValueCode: the paper's model with a 16-value dense code, on
// real images through every stage: reduce and compare see 16 values and
// the report pairs autoencoder-16 with pca-16 (a McNemar test and the
// per-image reconstruction errors, and a conclusion at that size);
// finetune's frozen classifiers read 16-value codes; the encoder package
// reads the architecture from the checkpoint.
func TestSixteenValueCode(t *testing.T) {
	cfg, splits := tiny(t)
	cfg.Model.Code = 16
	cfg.Reduce.PCADims = []int{16, 4}
	if got := outcome(t, context.Background(), cfg, Options{Env: stage.Env{Splits: splits}}); !slices.Equal(got, want("ran", "ran", "ran", "ran", "ran")) {
		t.Fatalf("run: %v", got)
	}
	run := layout.At(cfg.OutputDir)
	enc, err := encoder.Load(cfg.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	if enc.CodeSize() != 16 || !enc.Spec().Equal(cfg.Spec()) {
		t.Errorf("encoder from the checkpoint: %s, want %s", enc.Spec(), cfg.Spec())
	}
	red, err := results.ReadReduction(run)
	if err != nil {
		t.Fatal(err)
	}
	if ae := red.Find(results.Autoencoder); ae == nil || ae.Dim != 16 {
		t.Fatalf("reduce: autoencoder representation %+v, want 16 values", ae)
	}
	paired := false
	for _, c := range red.Reconstruction {
		paired = paired || c.A == "autoencoder" && c.B == "pca-16"
	}
	if !paired {
		t.Errorf("reduce compared reconstructions %+v, none autoencoder against pca-16", red.Reconstruction)
	}
	cmp, err := results.ReadComparison(run)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cmp.Test(results.AutoencoderRep(16).Name(), results.PCARep(16).Name()); !ok {
		t.Errorf("compare ran no McNemar test of autoencoder against pca-16: %+v", cmp.KNNTests)
	}
	md, err := os.ReadFile(run.ReportMarkdown())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"At the same size (16 values)", "autoencoder codes beat PCA at the same size, 16 values"} {
		if !strings.Contains(string(md), w) {
			t.Errorf("report.md lacks %q", w)
		}
	}
	tr, err := results.ReadTransfer(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Runs) == 0 {
		t.Fatal("finetune wrote no runs")
	}
}
