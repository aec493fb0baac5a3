package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
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
	if a := cmp.Find(results.AutoencoderRep(16)); a == nil || a.Dim != 16 {
		t.Errorf("compare scored no 16-value autoencoder codes: %+v", cmp.KNN)
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

// TestColourOnlyTask: classes that differ only in hue (the same shapes and
// the same luminance, data.SyntheticHue) go through every stage twice. A
// colour model (16x16x3) tells them apart: kNN on its codes is far above
// chance (1/3); a grey model (16x16x1, the same blocks) sees only
// luminance, which is the same for every class, and its codes' kNN stays
// near chance.
func TestColourOnlyTask(t *testing.T) {
	dir := t.TempDir()
	train, test := data.SyntheticHue(150, 1), data.SyntheticHue(60, 2)
	if err := data.WriteImages(filepath.Join(dir, "train"), train, data.HueClasses); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteImages(filepath.Join(dir, "test"), test, data.HueClasses); err != nil {
		t.Fatal(err)
	}
	accuracy := func(channels int) (ae, px float64) {
		cfg := ownConfig(t, data.SourceImages, dir, 15)
		cfg.Model.Input, cfg.Model.Filters = []int{16, 16, channels}, []int{8, 16}
		cfg.Pretrain.Epochs = 3
		cfg.Reduce.PCADims = []int{8}
		if got := outcome(t, context.Background(), cfg, Options{}); !slices.Equal(got, want("ran", "ran", "ran", "ran", "ran")) {
			t.Fatalf("%d channels: %v", channels, got)
		}
		cmp, err := results.ReadComparison(layout.At(cfg.OutputDir))
		if err != nil {
			t.Fatal(err)
		}
		a, p := cmp.Find(results.AutoencoderRep(4*4*16)), cmp.Find(results.Rep{Kind: results.Pixels, Dim: 16 * 16 * channels})
		if a == nil || p == nil {
			t.Fatalf("%d channels: kNN results %+v", channels, cmp.KNN)
		}
		if p.Dim != 16*16*channels {
			t.Errorf("%d channels: raw pixels have %d values, want %d", channels, p.Dim, 16*16*channels)
		}
		return a.Accuracy, p.Accuracy
	}
	colourAE, colourPx := accuracy(3)
	greyAE, greyPx := accuracy(1)
	t.Logf("kNN accuracy: colour model %.3f (pixels %.3f), grey model %.3f (pixels %.3f)", colourAE, colourPx, greyAE, greyPx)
	// 60 test images, 3 classes: chance is 1/3. At chance, 33 or more
	// right (0.55) has a binomial probability below 0.001, and 30 or fewer
	// (0.5) 0.997: the colour model must be above the first, the grey
	// one below the second. (Measured here: colour 0.85, grey 0.37.)
	if colourAE < 0.55 {
		t.Errorf("the colour model's codes reach %.3f, want well above chance (>= 0.55)", colourAE)
	}
	if greyAE > 0.5 || greyPx > 0.5 {
		t.Errorf("the grey model's codes reach %.3f and grey pixels %.3f, want near chance (<= 0.5): luminance should carry no class", greyAE, greyPx)
	}
}
