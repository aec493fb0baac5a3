package compare

import (
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// knnOf is a kNN result with only what the conclusion reads.
func knnOf(rep results.Rep, acc, secs float64) results.KNN {
	return results.KNN{Rep: rep, Representation: rep.Name(), Accuracy: acc, Seconds: secs}
}

// test is a McNemar test with the p-value of its counts.
func test(a, b results.KNN, onlyA, onlyB int) results.PairedTest {
	return results.PairedTest{A: a.Representation, B: b.Representation, AccA: a.Accuracy, AccB: b.Accuracy, OnlyA: onlyA, OnlyB: onlyB,
		P: stats.McNemar(onlyA, onlyB)}
}

func row(m config.Method, n config.LabelCount, runs int, mean, lo, hi float64) results.TransferRow {
	return results.TransferRow{Method: m, LabelsPerClass: n, Runs: runs, MeanAccuracy: mean, Low: lo, High: hi}
}

func diff(n config.LabelCount, a, b config.Method, pairs int, mean, lo, hi float64, need int) results.TransferDiff {
	return results.TransferDiff{LabelsPerClass: n, A: a, B: b, Pairs: pairs, Mean: mean, Low: lo, High: hi, SeedsNeeded: need}
}

// scenarios are experiments whose numbers, together, take every wording
// branch of conclude; the phrases each must contain name the branches.
var scenarios = []struct {
	name    string
	make    func() *results.Comparison
	phrases []string
}{
	{"leads-hold", func() *results.Comparison {
		px, p64, p16, ae := knnOf(results.PixelsRep(), 0.8554, 4.5), knnOf(results.PCARep(64), 0.8589, 0.7), knnOf(results.PCARep(16), 0.8359, 0.5),
			knnOf(results.AutoencoderRep(576), 0.8720, 3.5)
		return &results.Comparison{K: 5, Queries: 10000, KNN: []results.KNN{px, p64, p16, ae},
			KNNTests: []results.PairedTest{test(ae, p64, 250, 119), test(ae, px, 300, 134)},
			Reduce: &results.Reduction{Representations: []results.Representation{{Rep: results.PCARep(64), Name: "pca-64", TestMSE: 0.011},
				{Rep: results.AutoencoderRep(576), Name: "autoencoder", TestMSE: 0.0077}},
				Reconstruction: []results.MSEComparison{{A: "autoencoder", B: "pca-64", Images: 10000, Mean: -0.0033, Low: -0.0035, High: -0.0031}}},
			Finetune: &results.Transfer{
				Summary: []results.TransferRow{row(config.Frozen, 10, 5, 0.62, 0.55, 0.69), row(config.Scratch, 10, 5, 0.45, 0.40, 0.50),
					row(config.Unfrozen, 10, 5, 0.66, 0.60, 0.72),
					row(config.Frozen, 100, 5, 0.785, 0.775, 0.795), row(config.Scratch, 100, 5, 0.789, 0.77, 0.81),
					row(config.Unfrozen, 100, 5, 0.77, 0.76, 0.78),
					row(config.Frozen, config.AllLabels, 1, 0.86, 0.86, 0.86), row(config.Scratch, config.AllLabels, 1, 0.90, 0.90, 0.90)},
				Differences: []results.TransferDiff{diff(10, config.Frozen, config.Scratch, 5, 0.17, 0.12, 0.22, 0),
					diff(10, config.Frozen, config.Unfrozen, 5, -0.04, -0.06, -0.02, 0),
					diff(100, config.Frozen, config.Scratch, 5, -0.004, -0.019, 0.011, 23),
					diff(100, config.Scratch, config.Unfrozen, 5, 0.019, 0.008, 0.030, 0),
					diff(config.AllLabels, config.Frozen, config.Scratch, 1, -0.04, -0.04, -0.04, 0)}}}
	}, []string{
		"the autoencoder codes scored best: 87.20%", "so the lead holds on this test set", "gives p < 0.0001",
		"The autoencoder codes beat PCA with 64 components: 87.20% against 85.89%", "beat PCA holds here",
		"The autoencoder codes beat raw pixels: 87.20% against 85.54%", "the autoencoder codes' kNN search took 3.5s, raw pixels' 4.5s",
		"At reconstruction the autoencoder beat PCA with 64 components: test MSE 0.00770 against 0.01100",
		"With 10 labels per class, the frozen encoder beat training from scratch: 62.00% against 45.00%",
		"There, fine-tuning the encoder beat the frozen encoder: 66.00% against 62.00%",
		"With 100 labels per class, training from scratch (78.90%) and the frozen encoder (78.50%) are not distinguishable with 5 seeds",
		"about 23 seeds would tell them apart",
		"There, training from scratch beat fine-tuning the encoder: 78.90% against 77.00%",
		"the frozen encoder scored 86.00% and training from scratch 90.00% in one run each: no interval, so no winner is named",
	}},
	{"not-distinguishable", func() *results.Comparison {
		px, p64, ae := knnOf(results.PixelsRep(), 0.8554, 4.5), knnOf(results.PCARep(64), 0.8589, 0.7), knnOf(results.AutoencoderRep(576), 0.8460, 3.5)
		return &results.Comparison{K: 5, Queries: 10000, KNN: []results.KNN{px, p64, ae},
			KNNTests: []results.PairedTest{test(p64, px, 120, 100), test(ae, p64, 90, 233), test(ae, px, 150, 144)},
			Reduce: &results.Reduction{Representations: []results.Representation{{Rep: results.PCARep(64), Name: "pca-64", TestMSE: 0.0075},
				{Rep: results.AutoencoderRep(576), Name: "autoencoder", TestMSE: 0.0077}},
				Reconstruction: []results.MSEComparison{{A: "autoencoder", B: "pca-64", Images: 10000, Mean: 0.0002, Low: 0.0001, High: 0.0003}}},
			Finetune: &results.Transfer{
				Summary: []results.TransferRow{row(config.Frozen, 10, 5, 0.50, 0.45, 0.55), row(config.Scratch, 10, 5, 0.60, 0.55, 0.65),
					row(config.Unfrozen, 10, 5, 0.59, 0.54, 0.64)},
				Differences: []results.TransferDiff{diff(10, config.Frozen, config.Scratch, 5, -0.10, -0.14, -0.06, 0),
					diff(10, config.Scratch, config.Unfrozen, 5, 0.0002, -0.01, 0.01, 0)}}}
	}, []string{
		"PCA with 64 components scored best: 85.89%", "but on this test set it is not distinguishable from raw pixels (85.54%)", "gives p = 0.2001",
		"PCA with 64 components beat the autoencoder codes: 85.89% against 84.60%", "beat PCA does not hold here",
		"Raw pixels (85.54%) and the autoencoder codes (84.60%) are not distinguishable on this test set",
		"At reconstruction PCA with 64 components beat the autoencoder: test MSE 0.00750 against 0.00770",
		"With 10 labels per class, training from scratch beat the frozen encoder: 60.00% against 50.00%",
		"no number of seeds up to 1,000 would tell them apart",
	}},
	{"same-size", func() *results.Comparison {
		// The code-16 experiment's shape: a 16-value autoencoder code beside
		// PCA with 16 and 64 components (figures from a run of
		// configs/code-16.yaml).
		px, p64, p16, ae := knnOf(results.PixelsRep(), 0.8104, 2.3), knnOf(results.PCARep(64), 0.8242, 0.6), knnOf(results.PCARep(16), 0.8055, 0.5),
			knnOf(results.AutoencoderRep(16), 0.7892, 0.5)
		return &results.Comparison{K: 5, Queries: 10000, KNN: []results.KNN{px, p64, p16, ae},
			KNNTests: []results.PairedTest{test(p64, px, 398, 260), test(ae, p64, 367, 717), test(ae, p16, 419, 582), test(ae, px, 524, 736)},
			Reduce: &results.Reduction{Representations: []results.Representation{{Rep: results.PCARep(64), Name: "pca-64", TestMSE: 0.01046},
				{Rep: results.PCARep(16), Name: "pca-16", TestMSE: 0.02048}, {Rep: results.AutoencoderRep(16), Name: "autoencoder", TestMSE: 0.01658}},
				Reconstruction: []results.MSEComparison{{A: "autoencoder", B: "pca-64", Images: 10000, Mean: 0.00612, Low: 0.00602, High: 0.00622},
					{A: "autoencoder", B: "pca-16", Images: 10000, Mean: -0.00391, Low: -0.00400, High: -0.00382}}}}
	}, []string{
		"PCA with 64 components beat the autoencoder codes: 82.42% against 78.92%",
		"At the same size (16 values): PCA with 16 components beat the autoencoder codes: 80.55% against 78.92%",
		"the paper's claim (its section 4.1) that autoencoder codes beat PCA at the same size, 16 values, does not hold here",
		"At reconstruction PCA with 64 components beat the autoencoder: test MSE 0.01046 against 0.01658",
		"At reconstruction and the same size (16 values), the autoencoder beat PCA with 16 components: test MSE 0.01658 against 0.02048",
	}},
	{"generation", func() *results.Comparison {
		px := knnOf(results.PixelsRep(), 0.85, 4.5)
		gen := func(vae, ae []float64, lo, hi float64) *results.Generation {
			return &results.Generation{Floor: results.Distance{Images: 10000, All: 0.9},
				Models: []results.GenerativeModel{{Name: "vae", Quality: results.Distance{All: vae[0], Batches: vae[1:]}},
					{Name: "autoencoder", Quality: results.Distance{All: ae[0], Batches: ae[1:]}}},
				Difference: &results.DistanceDifference{A: "vae", B: "autoencoder", Mean: (lo + hi) / 2, Low: lo, High: hi}}
		}
		r := &results.Comparison{K: 5, Queries: 100, KNN: []results.KNN{px}}
		r.Generation = gen([]float64{12, 12.5}, []float64{40, 41}, -29.5, -27.5)
		return r
	}, []string{
		"The VAE's samples are closer to the test images than the autoencoder's Gaussian-fitted samples: Fréchet distance 12.00 against 40.00",
		"real training images reach 0.90",
	}},
	{"generation-autoencoder-closer", func() *results.Comparison {
		px := knnOf(results.PixelsRep(), 0.85, 4.5)
		dist := func(v ...float64) results.Distance { return results.Distance{Images: 10000, All: v[0], Batches: v[1:]} }
		ind := dist(210, 208, 209, 212, 211, 210)
		r := &results.Comparison{K: 5, Queries: 100, KNN: []results.KNN{px}}
		r.Generation = &results.Generation{Floor: dist(0.2, 0.5, 0.6),
			Models: []results.GenerativeModel{
				{Name: "vae", Latent: 16, Quality: dist(150, 148, 151, 150, 149, 152), Reconstructions: dist(120, 119, 121, 120, 122, 118)},
				{Name: "autoencoder", Latent: 576, Quality: dist(50, 49, 51, 50, 52, 48), Reconstructions: dist(5, 5.1, 4.9, 5, 5.2, 4.8), Independent: &ind}},
			Difference: &results.DistanceDifference{A: "vae", B: "autoencoder", Mean: 100, Low: 97, High: 103}}
		return r
	}, []string{
		"The autoencoder's Gaussian-fitted samples are closer to the test images than the VAE's: Fréchet distance 50.00 against 150.00",
		"Even the VAE's reconstructions of the test images, decoded from their posterior means, are further (120.00)",
		"With each of its 576 code values drawn independently the autoencoder's samples are further than the VAE's (210.00)",
	}},
	{"generation-open", func() *results.Comparison {
		px := knnOf(results.PixelsRep(), 0.85, 4.5)
		r := &results.Comparison{K: 5, Queries: 100, KNN: []results.KNN{px}}
		r.Generation = &results.Generation{Floor: results.Distance{All: 0.9},
			Models:     []results.GenerativeModel{{Name: "vae", Quality: results.Distance{All: 20}}, {Name: "autoencoder", Quality: results.Distance{All: 21}}},
			Difference: &results.DistanceDifference{Mean: -1, Low: -3, High: 1}}
		return r
	}, []string{"are not distinguishable in hourglass classifier features"}},
	{"generation-autoencoder-only", func() *results.Comparison {
		px := knnOf(results.PixelsRep(), 0.85, 4.5)
		r := &results.Comparison{K: 5, Queries: 100, KNN: []results.KNN{px}}
		r.Generation = &results.Generation{Floor: results.Distance{All: 0.9}, Models: []results.GenerativeModel{{Name: "autoencoder", Quality: results.Distance{All: 35}}}}
		return r
	}, []string{"The autoencoder's samples, decoded from a Gaussian fitted to its training codes, are at a Fréchet distance of 35.00"}},
	{"claim-open", func() *results.Comparison {
		p64, ae := knnOf(results.PCARep(64), 0.8589, 0.7), knnOf(results.AutoencoderRep(576), 0.8600, 3.5)
		return &results.Comparison{K: 5, Queries: 10000, KNN: []results.KNN{p64, ae},
			KNNTests: []results.PairedTest{test(ae, p64, 131, 120)},
			Reduce: &results.Reduction{Representations: []results.Representation{{Rep: results.PCARep(64), Name: "pca-64", TestMSE: 0.0076},
				{Rep: results.AutoencoderRep(576), Name: "autoencoder", TestMSE: 0.0076}},
				Reconstruction: []results.MSEComparison{{A: "autoencoder", B: "pca-64", Images: 10000, Mean: 0.00001, Low: -0.0001, High: 0.0001}}}}
	}, []string{
		"The autoencoder codes (86.00%) and PCA with 64 components (85.89%) are not distinguishable on this test set",
		"so the paper's claim that autoencoder codes beat PCA is neither confirmed nor refuted here",
		"At reconstruction the autoencoder (test MSE 0.00760) and PCA with 64 components (0.00760) are not distinguishable",
	}},
}

// TestConclusionGolden renders each scenario's conclusion against
// testdata/conclusion_<name>.golden (-update=conclusion_ rewrites them) and checks the
// phrases of the branches it takes.
func TestConclusionGolden(t *testing.T) {
	for _, sc := range scenarios {
		text := strings.Join(conclude(sc.make()), "\n") + "\n"
		checkGolden(t, "conclusion_"+sc.name+".golden", text)
		for _, p := range sc.phrases {
			if !strings.Contains(text, p) {
				t.Errorf("%s: conclusion lacks %q:\n%s", sc.name, p, text)
			}
		}
	}
}

// TestNoWinnerWithoutATest: with the figures flipped but the test not
// significant, no sentence names a winner; with it significant the winner
// comes first whichever way the numbers lie.
func TestNoWinnerWithoutATest(t *testing.T) {
	for _, acc := range []float64{0.80, 0.90} {
		a, b := knnOf(results.AutoencoderRep(576), acc, 1), knnOf(results.PCARep(64), 0.85, 1)
		r := &results.Comparison{K: 5, Queries: 100, KNN: []results.KNN{a, b}, KNNTests: []results.PairedTest{test(a, b, 10, 9)}}
		// A winner's sentence reads "X beat Y: a% against b%".
		if text := strings.Join(conclude(r), " "); strings.Contains(text, "% against") || !strings.Contains(text, "not distinguishable") {
			t.Errorf("p = %.2f names a winner: %s", r.KNNTests[0].P, text)
		}
		r.KNNTests = []results.PairedTest{test(a, b, 40, 5)}
		if acc < 0.85 {
			r.KNNTests = []results.PairedTest{test(a, b, 5, 40)}
		}
		text := strings.Join(conclude(r), " ")
		win := map[bool]string{true: "The autoencoder codes beat PCA", false: "PCA with 64 components beat the autoencoder codes"}[acc > 0.85]
		if !strings.Contains(text, win) {
			t.Errorf("accuracy %.2f: want %q in %s", acc, win, text)
		}
	}
}
