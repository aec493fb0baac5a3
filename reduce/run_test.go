package reduce

import (
	"context"
	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

func TestReduceRun(t *testing.T) {
	cfg, splits := testutil.PretrainedExperiment(t, 256, 64, 100)
	res, err := Run(context.Background(), cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Representations) != 3 {
		t.Fatalf("representations %+v", res.Representations)
	}
	wantDims := map[string]int{"pca-2": 2, "pca-16": 16, "autoencoder": 576}
	for _, r := range res.Representations {
		if wantDims[r.Name] != r.Dim {
			t.Errorf("%s: dim %d", r.Name, r.Dim)
		}
		for file, rows := range map[string]int{r.TrainFile: 256, r.TestFile: 100} {
			m, err := codes.ReadCodes(filepath.Join(cfg.OutputDir, file))
			if err != nil {
				t.Fatal(err)
			}
			if n, d := m.Dims(); n != rows || d != r.Dim {
				t.Errorf("%s: %dx%d, want %dx%d", file, n, d, rows, r.Dim)
			}
		}
		if !(r.TestMSE > 0 && r.TestMSE < 0.2) {
			t.Errorf("%s: test MSE %v", r.Name, r.TestMSE)
		}
	}
	if res.Representations[1].TestMSE >= res.Representations[0].TestMSE {
		t.Errorf("16 components reconstruct worse than 2: %+v", res.Representations)
	}
	if c := res.Cumulative[len(res.Cumulative)-1]; math.Abs(c-1) > 1e-9 {
		t.Errorf("cumulative explained variance ends at %v, want 1", c)
	}
	// The paired test's mean is the difference of the two test MSEs (every
	// image has as many pixels).
	if len(res.Reconstruction) != 2 {
		t.Fatalf("reconstruction tests %+v, want autoencoder against pca-2 and pca-16", res.Reconstruction)
	}
	for _, c := range res.Reconstruction {
		a, b := res.Find(results.Autoencoder), byName(res, c.B)
		if c.A != "autoencoder" || c.Images != 100 || math.Abs(c.Mean-(a.TestMSE-b.TestMSE)) > 1e-9 || !(c.Low <= c.Mean && c.Mean <= c.High) {
			t.Errorf("test %+v against MSEs %v and %v", c, a.TestMSE, b.TestMSE)
		}
	}
	labels, err := codes.ReadLabels(filepath.Join(cfg.OutputDir, res.TestLabels))
	if err != nil || len(labels) != 100 || labels[0] != splits.Test.Labels[0] {
		t.Errorf("test labels: %v %v", err, labels[:3])
	}
	run := layout.At(cfg.OutputDir)
	for _, f := range []string{run.ExplainedVariancePlot(), run.ReduceJSON(), run.Config(layout.Reduce)} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
}

func TestReduceNeedsPretraining(t *testing.T) {
	c := config.Default()
	c.OutputDir = t.TempDir()
	_, err := Run(context.Background(), &c, stage.Env{})
	if err == nil || !strings.Contains(err.Error(), "hourglass pretrain") {
		t.Fatalf("err = %v, want advice to pretrain first", err)
	}
}

func byName(r *results.Reduction, name string) *results.Representation {
	for i := range r.Representations {
		if r.Representations[i].Name == name {
			return &r.Representations[i]
		}
	}
	return nil
}
