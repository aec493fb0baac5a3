package compare

import (
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// TestHeadlinesFollowTheTests: each summary bullet names a winner only
// where its test does (McNemar p < 0.05, an interval clear of 0), the
// more accurate or lower one whichever way the figures lie, and "not
// distinguishable" otherwise, as the conclusions at length do.
func TestHeadlinesFollowTheTests(t *testing.T) {
	ae, pca := knnOf(results.AutoencoderRep(64), 0.82, 1), knnOf(results.PCARep(64), 0.84, 1)
	mse := func(lo, hi float64) *results.Reduction {
		return &results.Reduction{Representations: []results.Representation{
			{Rep: results.AutoencoderRep(64), Name: "autoencoder", TestMSE: 0.012},
			{Rep: results.PCARep(64), Name: "pca-64", TestMSE: 0.013}},
			Reconstruction: []results.MSEComparison{{A: "autoencoder", B: "pca-64", Images: 100, Mean: (lo + hi) / 2, Low: lo, High: hi}}}
	}
	transfer := func(pairs int, lo, hi float64) *results.Transfer {
		return &results.Transfer{Summary: []results.TransferRow{row(config.Frozen, 10, pairs, 0.62, 0.6, 0.64), row(config.Scratch, 10, pairs, 0.55, 0.53, 0.57)},
			Differences: []results.TransferDiff{diff(10, config.Scratch, config.Frozen, pairs, -(lo+hi)/2, -hi, -lo, 0)}}
	}
	for _, tc := range []struct {
		name      string
		r         *results.Comparison
		must, not []string
	}{
		{"knn not significant", &results.Comparison{KNN: []results.KNN{ae, pca}, KNNTests: []results.PairedTest{test(ae, pca, 10, 12)}},
			[]string{"PCA with 64 components 84.00%, the autoencoder codes 82.00%: not distinguishable (McNemar p = 0.8318)."}, []string{"ahead"}},
		{"knn significant", &results.Comparison{KNN: []results.KNN{ae, pca}, KNNTests: []results.PairedTest{test(ae, pca, 5, 40)}},
			[]string{"PCA with 64 components ahead (McNemar p < 0.0001)"}, []string{"not distinguishable", "codes ahead"}},
		{"mse lower", &results.Comparison{KNN: []results.KNN{ae}, Reduce: mse(-0.002, -0.0005)}, []string{": the autoencoder lower (per-image interval"}, []string{"not distinguishable"}},
		{"mse higher", &results.Comparison{KNN: []results.KNN{ae}, Reduce: mse(0.0005, 0.002)}, []string{": PCA with 64 components lower"}, []string{"the autoencoder lower"}},
		{"mse across 0", &results.Comparison{KNN: []results.KNN{ae}, Reduce: mse(-0.001, 0.001)}, []string{"0.01300: not distinguishable"}, []string{"lower ("}},
		{"transfer significant", &results.Comparison{KNN: []results.KNN{ae}, Finetune: transfer(5, 0.05, 0.09)},
			[]string{"With 10 labels per class: the frozen encoder 62.00%, training from scratch 55.00%: the frozen encoder ahead (+7.00 points, 95% interval [+5.00, +9.00], 5 seeds)."}, nil},
		{"transfer across 0", &results.Comparison{KNN: []results.KNN{ae}, Finetune: transfer(5, -0.01, 0.15)}, []string{": not distinguishable (+7.00 points"}, []string{"ahead"}},
		{"transfer one seed", &results.Comparison{KNN: []results.KNN{ae}, Finetune: transfer(1, 0.05, 0.09)}, []string{"one run each, no winner named"}, []string{"ahead"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Join(headlines(tc.r), "\n")
			for _, m := range tc.must {
				if !strings.Contains(text, m) {
					t.Errorf("lacks %q:\n%s", m, text)
				}
			}
			for _, m := range tc.not {
				if strings.Contains(text, m) {
					t.Errorf("has %q:\n%s", m, text)
				}
			}
		})
	}
}
