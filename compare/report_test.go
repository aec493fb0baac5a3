package compare

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/chart"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
	"github.com/hourglass-ml/hourglass/reduce"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// syntheticResults is a hand-made experiment: fixed numbers, so the
// Markdown is fixed too.
func syntheticResults() *results.Comparison {
	c := config.Default()
	c.Name = "synthetic"
	k := func(rep results.Rep, acc float64, secs float64) results.KNN {
		r := results.KNN{Rep: rep, Representation: rep.Name(), Engine: "exact", Weights: "uniform", K: 5, Queries: 100, Neighbours: 1000,
			Accuracy: acc, Seconds: secs, TiedVotes: int(100 * acc / 10), MacroF1: acc,
			Curve: []results.KPoint{{K: 1, Accuracy: acc - 0.02}, {K: 5, Accuracy: acc}},
			Check: &results.GolearnCheck{Queries: 20, Agree: 19, TiedVote: 1, Seconds: 2}}
		r.PerClass, r.Precision, r.F1, r.Confusion = make([]float64, 10), make([]float64, 10), make([]float64, 10), results.NewConfusion(10)
		for i := range r.PerClass {
			r.PerClass[i], r.Precision[i], r.F1[i] = acc, acc, acc
			r.Confusion[i][i] = 10
		}
		return r
	}
	r := &results.Comparison{Name: "synthetic", Config: &c, Seed: 1, Backend: "go", Cores: 2, BLAS: "test BLAS", KNNPath: ExactPath, Engine: "exact", Weights: "uniform",
		Versions: map[string]string{"gonum.org/v1/gonum": "v0.17.0"}, TrainImages: 1000, TestImages: 200, Queries: 100, TestSubset: 100, K: 5,
		Data: &results.DataInfo{Source: "fashion-mnist", Dir: "/data", Classes: data.FashionClasses, Train: perClass(100), Validation: perClass(20), Test: perClass(20),
			Conversion: "all 1400 images were 28x28 grey: none converted"},
		Pretrain: &results.Pretraining{Epochs: 3, FinalTrain: 0.02, FinalVal: 0.021, BestVal: 0.021, BestEpoch: 3, TestMSE: 0.0205,
			WallSeconds: 60, Parameters: 43889, Backend: "go", BatchSize: 128, LearningRate: 0.001, Schedule: "constant",
			TrainImages: 1000, UnlabelledImages: 500},
		Reduce: &results.Reduction{TrainImages: 1000, TestImages: 200, PCAFitSeconds: 0.5, Cumulative: []float64{0.3, 0.5, 0.6, 0.65},
			Representations: []results.Representation{{Rep: results.PCARep(2), Name: "pca-2", TestMSE: 0.04}, {Rep: results.PCARep(4), Name: "pca-4", TestMSE: 0.03},
				{Rep: results.AutoencoderRep(576), Name: "autoencoder", TestMSE: 0.02}}},
		KNN: []results.KNN{k(results.PixelsRep(), 0.85, 10), k(results.PCARep(2), 0.50, 1), k(results.PCARep(4), 0.70, 1.5), k(results.AutoencoderRep(576), 0.82, 8)},
		Finetune: &results.Transfer{Summary: []results.TransferRow{
			{Method: config.Frozen, LabelsPerClass: 10, Runs: 5, MeanAccuracy: 0.6, StdAccuracy: 0.02, Low: 0.575, High: 0.625},
			{Method: config.Scratch, LabelsPerClass: 10, Runs: 5, MeanAccuracy: 0.5, StdAccuracy: 0.03, Low: 0.463, High: 0.537},
			{Method: config.Unfrozen, LabelsPerClass: 10, Runs: 5, MeanAccuracy: 0.55, StdAccuracy: 0.02, Low: 0.525, High: 0.575},
			{Method: config.Frozen, LabelsPerClass: config.AllLabels, Runs: 1, MeanAccuracy: 0.8, Low: 0.8, High: 0.8},
			{Method: config.Scratch, LabelsPerClass: config.AllLabels, Runs: 1, MeanAccuracy: 0.85, Low: 0.85, High: 0.85},
			{Method: config.Unfrozen, LabelsPerClass: config.AllLabels, Runs: 1, MeanAccuracy: 0.9, Low: 0.9, High: 0.9}},
			Differences: []results.TransferDiff{
				{LabelsPerClass: 10, A: config.Frozen, B: config.Scratch, Pairs: 5, Mean: 0.1, SD: 0.02, Low: 0.075, High: 0.125},
				{LabelsPerClass: 10, A: config.Frozen, B: config.Unfrozen, Pairs: 5, Mean: 0.05, SD: 0.06, Low: -0.024, High: 0.124, SeedsNeeded: 13},
				{LabelsPerClass: 10, A: config.Scratch, B: config.Unfrozen, Pairs: 5, Mean: -0.05, SD: 0.03, Low: -0.087, High: -0.013},
				{LabelsPerClass: config.AllLabels, A: config.Frozen, B: config.Scratch, Pairs: 1, Mean: -0.05, Low: -0.05, High: -0.05},
				{LabelsPerClass: config.AllLabels, A: config.Frozen, B: config.Unfrozen, Pairs: 1, Mean: -0.1, Low: -0.1, High: -0.1},
				{LabelsPerClass: config.AllLabels, A: config.Scratch, B: config.Unfrozen, Pairs: 1, Mean: -0.05, Low: -0.05, High: -0.05}}},
	}
	px, p2, p4, ae := &r.KNN[0], &r.KNN[1], &r.KNN[2], &r.KNN[3]
	r.KNNTests = []results.PairedTest{test(*p2, *px, 2, 37), test(*p4, *px, 4, 19), test(*ae, *px, 6, 9), test(*ae, *p4, 18, 6)}
	r.Reduce.Reconstruction = []results.MSEComparison{{A: "autoencoder", B: "pca-2", Images: 200, Mean: -0.02, Low: -0.022, High: -0.018},
		{A: "autoencoder", B: "pca-4", Images: 200, Mean: -0.01, Low: -0.012, High: -0.008}}
	r.Conclusion = conclude(r)
	return r
}

// TestReportGolden renders the synthetic experiment's Markdown; compare
// with testdata/report.golden.md (go test ./compare -run Golden -update
// rewrites it after a deliberate change).
func TestReportGolden(t *testing.T) {
	r := syntheticResults()
	// Every figure "exists" so the layout shows them all.
	got := renderMarkdown("hourglass report: synthetic", sections(r, layout.At("/out"), func(string) bool { return true }))
	golden := filepath.Join("testdata", "report.golden.md")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("report differs from %s (run with -update if the change is deliberate)\n--- got ---\n%s", golden, got)
	}
}

// TestCompareRunAndBrowser runs the stage on a tiny real experiment (a
// briefly trained model, no pretrain stage) and opens report.html in
// headless Chromium, which must decode every image. The whole pipeline's
// report is checked the same way in internal/app/pipeline.
func TestCompareRunAndBrowser(t *testing.T) {
	cfg, splits := testutil.PretrainedExperiment(t, 300, 64, 120)
	cfg.Compare.TestSubset = 100
	if _, err := reduce.Run(context.Background(), cfg, stage.Env{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), cfg, stage.Env{Splits: splits, Versions: map[string]string{"x": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.KNN) != 4 || res.Queries != 100 {
		t.Fatalf("kNN results %+v", res.KNN)
	}
	for _, k := range res.KNN {
		// Ten balanced classes: chance is 10%; even 2 PCA components beat it.
		if !(k.Accuracy > 0.2) || k.Queries != 100 {
			t.Errorf("%s: accuracy %v on %d queries", k.Representation, k.Accuracy, k.Queries)
		}
	}
	run := layout.At(cfg.OutputDir)
	back, err := results.ReadComparison(run)
	if err != nil || len(back.KNN) != 4 || back.Config.Name != "tiny" || back.KNN[1].Kind != results.PCA || back.KNN[1].Dim != 2 {
		t.Errorf("results.json: %v %+v", err, back)
	}
	md, _ := os.ReadFile(run.ReportMarkdown())
	for _, want := range []string{"## kNN accuracy by representation", "## Summary and conclusion", "report/knn_accuracy.png", "compare.test_subset = 100"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if strings.Contains(string(md), "## Pretraining") {
		t.Error("report.md has a pretraining section although the pretrain stage never ran")
	}
	// kNN bars, the k curve, explained variance, two principal-component
	// scatters, three t-SNE maps and four confusion heatmaps; every image
	// with alt text and a caption.
	page := mustRead(t, run.ReportHTML())
	imgs := regexp.MustCompile(`<img `).FindAll(page, -1)
	if len(imgs) != 12 {
		t.Errorf("report.html has %d images, want 12", len(imgs))
	}
	if n := len(regexp.MustCompile(`<img alt="[^"]{10,}"`).FindAll(page, -1)); n != len(imgs) {
		t.Errorf("%d of %d images have alt text", n, len(imgs))
	}
	if n := len(regexp.MustCompile(`<figcaption>[^<]{10,}</figcaption>`).FindAll(page, -1)); n != len(imgs) {
		t.Errorf("%d of %d images have a caption", n, len(imgs))
	}
	if !strings.Contains(string(page), `<section class="summary">`) || strings.Index(string(page), "Summary and conclusion") > strings.Index(string(page), "<h2>Setup") {
		t.Error("report.html does not open with the summary")
	}
	loaded := testutil.BrowserImages(t, run.ReportHTML())
	if want := fmt.Sprintf("%d/%d", len(imgs), len(imgs)); loaded != want {
		t.Errorf("Chromium decoded %q images, want %s", loaded, want)
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	testutil.Screenshot(t, run.ReportHTML(), shot, 1280, 2400)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2400 || distinctColours(img) < 50 {
		t.Errorf("screenshot %dx%d with %d colours: blank?", b.Dx(), b.Dy(), distinctColours(img))
	}
	for _, name := range []string{"scatter_pca", "tsne_autoencoder"} {
		f, err := os.Open(run.ReportPlot(name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := paletteColours(img); got < 8 {
			t.Errorf("%s shows %d of the 10 class colours, want at least 8 (100 test images of 10 classes)", name, got)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func distinctColours(img image.Image) int {
	seen := map[color.Color]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			seen[img.At(x, y)] = true
		}
	}
	return len(seen)
}

// paletteColours counts the class colours drawn in a plot (pixels of
// exactly a palette colour: marker interiors).
func paletteColours(img image.Image) int {
	found := map[int]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for i, c := range chart.Palette {
				if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
					found[i] = true
				}
			}
		}
	}
	return len(found)
}

// perClass is n images for each of Fashion-MNIST's 10 classes.
func perClass(n int) []int {
	out := make([]int, 10)
	for i := range out {
		out[i] = n
	}
	return out
}
