package pipeline

import (
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// TestSameSizeTests: a run's learned codes are paired with the PCA of
// their size only, the run's McNemar test turned codes-first whichever
// order compare stored it in; the sweep report's table, summary and
// conclusions give each run's verdict at p < 0.05 (the figures are made
// up here; the verdicts follow from them by the rule the note states).
func TestSameSizeTests(t *testing.T) {
	cmp := &results.Comparison{
		KNN: []results.KNN{{Rep: results.PCARep(8)}, {Rep: results.PCARep(64)}, {Rep: results.AutoencoderRep(8)}, {Rep: results.PixelsRep()}},
		KNNTests: []results.PairedTest{
			{A: "pca-8", B: "autoencoder", AccA: 0.76, AccB: 0.79, OnlyA: 553, OnlyB: 823, P: 3.5e-13},
			{A: "autoencoder", B: "pca-64", AccA: 0.79, AccB: 0.82, OnlyA: 1, OnlyB: 2, P: 1e-9},
		},
	}
	got := sameSizeTests(cmp)
	if len(got) != 1 {
		t.Fatalf("tests %+v, want the autoencoder against pca-8 only", got)
	}
	if s := got[0]; s.Codes != "autoencoder" || s.Dim != 8 || s.Test.A != "autoencoder" || s.Test.AccA != 0.79 || s.Test.OnlyA != 823 || s.Test.OnlyB != 553 {
		t.Errorf("test %+v, want autoencoder first: 79%% and 823 right by it only", s)
	}

	rows := []SweepRunRow{
		{Name: "model.code=8,seed=1", Values: []string{"8"}, Status: StatusDone, Figures: map[string]float64{}, SameSize: got},
		{Name: "model.code=64,seed=1", Values: []string{"64"}, Status: StatusDone, Figures: map[string]float64{},
			SameSize: []SameSize{{Codes: "autoencoder", Dim: 64, Test: results.PairedTest{A: "autoencoder", B: "pca-64", AccA: 0.81, AccB: 0.82, OnlyA: 392, OnlyB: 530, P: 6.2e-6}}}},
		{Name: "model.code=32,seed=1", Values: []string{"32"}, Status: StatusDone, Figures: map[string]float64{},
			SameSize: []SameSize{{Codes: "autoencoder", Dim: 32, Test: results.PairedTest{A: "autoencoder", B: "pca-32", AccA: 0.815, AccB: 0.818, OnlyA: 400, OnlyB: 420, P: 0.51}}}},
	}
	rep := newSweepReport("s", []SweepAxis{{Key: "model.code", Values: []string{"8", "64", "32"}}}, 1, rows)
	md := rep.Markdown()
	for _, want := range []string{
		"| model.code=8,seed=1 | autoencoder | 8 | 79.00% | 76.00% | 823 | 553 | 3.5e-13 | codes better |",
		"| model.code=64,seed=1 | autoencoder | 64 | 81.00% | 82.00% | 392 | 530 | 6.2e-06 | PCA better |",
		"| model.code=32,seed=1 | autoencoder | 32 | 81.50% | 81.80% | 400 | 420 | 0.51 | not distinguishable |",
		"codes better at model.code=8,seed=1 (8 values); PCA better at model.code=64,seed=1 (64 values); not distinguishable at model.code=32,seed=1 (32 values)",
		"model.code=64,seed=1: autoencoder's 64 values against PCA with 64 components, 81.00% against 82.00% by kNN (392 test queries right by the codes only, 530 by PCA only, McNemar p 6.2e-06): PCA is better",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("sweep.md lacks %q:\n%s", want, md)
		}
	}
}

// TestTickNames: swept folders are labelled by their last element where
// that tells them apart, else in full; other keys' values are kept whole,
// a "/" in them or not.
func TestTickNames(t *testing.T) {
	for _, c := range []struct {
		key      string
		in, want []string
	}{
		{"pretrain.from", []string{"runs/a-src", "runs/b/", "runs/quickstart"}, []string{"a-src", "b", "quickstart"}},
		{"pretrain.from", []string{"runs/a-src", "quickstart"}, []string{"runs/a-src", "quickstart"}}, // nothing shared
		{"pretrain.from", []string{"x/runs", "y/runs"}, []string{"x", "y"}},                           // the same last element
		{"data.unlabelled", []string{"", "runs/pools/u1000/unlabelled.npy", "runs/pools/u50000/unlabelled.npy"}, []string{"(none)", "u1000", "u50000"}},
		{"data.unlabelled", []string{"runs/pools/u1000/unlabelled.npy"}, []string{"unlabelled.npy"}},
		{"data.classes", []string{"[T-shirt/top, Trouser]", "[Bag, Sandal]"}, []string{"[T-shirt/top, Trouser]", "[Bag, Sandal]"}},
		{"pretrain.schedule", []string{"constant", "cosine"}, []string{"constant", "cosine"}},
	} {
		if got := tickNames(c.key, c.in); !slices.Equal(got, c.want) {
			t.Errorf("tickNames(%s, %q) = %q, want %q", c.key, c.in, got, c.want)
		}
	}
}
