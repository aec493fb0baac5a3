package compare

import (
	"context"
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

// syntheticExperiment is a hand-made experiment of a model kind, "ae" or
// "vae": the VAE's has its 16-value mean codes where the autoencoder's
// has its codes, its bound in nats per image and a generate stage.
func syntheticExperiment(model string) *results.Comparison {
	c := config.Default()
	c.Name = "synthetic"
	codeRep := results.AutoencoderRep(576)
	if model == "vae" {
		c.Name, c.Pretrain.Model, c.Model.Code = "synthetic-vae", "vae", 16
		codeRep = results.VAERep(16)
	}
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
	r := &results.Comparison{Name: c.Name, Config: &c, Seed: 1, Backend: "go", Cores: 2, BLAS: "test BLAS", KNNPath: ExactPath, Engine: "exact", Weights: "uniform",
		Versions: map[string]string{"gonum.org/v1/gonum": "v0.17.0"}, TrainImages: 1000, TestImages: 200, Queries: 100, TestSubset: 100, K: 5,
		Data: &results.DataInfo{Source: "fashion-mnist", Dir: "/data", Classes: data.FashionClasses, Train: perClass(100), Validation: perClass(20), Test: perClass(20),
			Shape: "28x28 grey", Conversion: "all 1400 images were 28x28 grey: none converted"},
		Pretrain: &results.Pretraining{Epochs: 3, FinalTrain: 0.02, FinalVal: 0.021, BestVal: 0.021, BestEpoch: 3, TestMSE: 0.0205,
			WallSeconds: 60, Parameters: 43889, Backend: "go", BatchSize: 128, LearningRate: 0.001, Schedule: "constant",
			TrainImages: 1000, UnlabelledImages: 500},
		Reduce: &results.Reduction{TrainImages: 1000, TestImages: 200, PCAFitSeconds: 0.5, Cumulative: []float64{0.3, 0.5, 0.6, 0.65},
			Representations: []results.Representation{{Rep: results.PCARep(2), Name: "pca-2", TestMSE: 0.04}, {Rep: results.PCARep(4), Name: "pca-4", TestMSE: 0.03},
				{Rep: codeRep, Name: codeRep.Name(), TestMSE: 0.02}}},
		KNN: []results.KNN{k(results.PixelsRep(), 0.85, 10), k(results.PCARep(2), 0.50, 1), k(results.PCARep(4), 0.70, 1.5), k(codeRep, 0.82, 8)},
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
	r.Reduce.Reconstruction = []results.MSEComparison{{A: codeRep.Name(), B: "pca-2", Images: 200, Mean: -0.02, Low: -0.022, High: -0.018},
		{A: codeRep.Name(), B: "pca-4", Images: 200, Mean: -0.01, Low: -0.012, High: -0.008}}
	if model == "vae" {
		// A bound of about 250 nats per image, as configs/vae.yaml reaches
		// in a few epochs; the KL weight 1 (pretrain.beta, no warm-up).
		r.Pretrain = &results.Pretraining{Model: "vae", Latent: 16, Epochs: 3, FinalTrain: 252.31, FinalVal: 250.12, BestVal: 250.12, BestEpoch: 3,
			TestLoss: 249.87, TestRecon: 231.4, TestKL: 18.47, TestMSE: 0.02, WallSeconds: 75, Parameters: 52001, Backend: "go",
			BatchSize: 128, LearningRate: 0.001, Schedule: "constant", TrainImages: 1000, UnlabelledImages: 500}
		for e := 1; e <= 3; e++ {
			r.PretrainHistory = append(r.PretrainHistory, results.EpochMetrics{Epoch: e, TrainLoss: 280 - 10*float64(e), ValLoss: 275 - 8*float64(e), KLWeight: 1})
		}
		dist := func(v ...float64) results.Distance { return results.Distance{Images: 500, All: v[0], Batches: v[1:]} }
		r.Generation = &results.Generation{Classifier: results.FeatureClassifier{Features: 128, Epochs: 2, TestAccuracy: 0.8, TrainImages: 1000},
			Floor: dist(0.8, 0.9, 1.0, 0.8, 0.9, 1.1),
			Models: []results.GenerativeModel{
				{Name: "vae", How: "prior N(0, I), decoded", Latent: 16, Quality: dist(30, 29, 31, 30, 32, 28), TestNegELBO: 249.87, TestRecon: 231.4, TestKL: 18.47,
					ActiveUnits: 12, TestMSE: 0.02, Reconstructions: dist(12, 11, 12, 13, 12, 12)},
				{Name: "autoencoder", How: "Gaussian fitted to its training codes, decoded", Latent: 576, Quality: dist(40, 39, 41, 40, 42, 38), TestMSE: 0.016,
					Reconstructions: dist(5, 5, 5, 5, 5, 5)}},
			Difference: &results.DistanceDifference{A: "vae", B: "autoencoder", Mean: -10, Low: -11.5, High: -8.5}}
	}
	r.Conclusion, r.Headlines = conclude(r), headlines(r)
	return r
}

// reportKinds are the golden reports, one per model kind, with phrases
// each must show (the model that ran, its loss and the loss's unit) and
// phrases it must not (the other kind's).
var reportKinds = []struct {
	golden       string
	model        string
	must, mustNt []string
}{
	{"report_autoencoder.golden.md", "ae", []string{
		"The autoencoder (43889 parameters) trained 3 epochs",
		"the loss is the mean squared error per pixel",
		"*Train and validation loss (per-pixel MSE) per epoch*",
		"The autoencoder trained 3 epochs to a test reconstruction MSE of 0.02050.",
		"At reconstruction the autoencoder beat PCA with 4 components",
		"the paper's claim that autoencoder codes beat PCA",
	}, []string{"VAE", "ELBO", "nats", "posterior"}},
	{"report_vae.golden.md", "vae", []string{
		"The VAE (52001 parameters, 16 latent values) trained 3 epochs",
		"final train loss 252.31, validation loss 250.12 (best 250.12 at epoch 3)",
		"The loss is the negative ELBO in nats per image: the reconstruction term plus the KL divergence",
		"the negative ELBO is 249.87 nats per image (reconstruction 231.40 + KL 18.47",
		"the images decoded from the posterior means have a test MSE of 0.02000 per pixel",
		"*Train and validation loss (negative ELBO, nats per image) per epoch, with the validation loss's reconstruction and KL parts*",
		"reconstructions decoded from the posterior means",
		"The VAE (16 latent values) trained 3 epochs to a test negative ELBO of 249.87 nats per image (reconstruction 231.40 + KL 18.47)",
		"At reconstruction the VAE beat PCA with 4 components",
		"test images' VAE codes on their first two principal components",
		"The VAE's samples are closer to the test images",
	}, []string{"The autoencoder (", "The autoencoder trained", "per-pixel MSE) per epoch", "At reconstruction the autoencoder",
		"the paper's claim", "weighs the KL term"}},
}

// TestReportGolden renders each synthetic experiment's Markdown against
// its golden file (go test ./compare -update=report_vae rewrites one,
// -update=report_ rewrites both) and checks its phrases.
func TestReportGolden(t *testing.T) {
	for _, c := range reportKinds {
		t.Run(c.model, func(t *testing.T) {
			r := syntheticExperiment(c.model)
			// Every figure "exists" so the layout shows them all.
			got := renderMarkdown("hourglass report: "+r.Name, sections(r, layout.At("/out"), func(string) bool { return true }))
			checkGolden(t, c.golden, got)
			for _, p := range c.must {
				if !strings.Contains(got, p) {
					t.Errorf("%s lacks %q", c.golden, p)
				}
			}
			for _, p := range c.mustNt {
				if strings.Contains(got, p) {
					t.Errorf("%s has %q, which belongs to the other model", c.golden, p)
				}
			}
		})
	}
}

// TestKLWeightNote: where the last epoch trained with a KL weight other
// than the ELBO's 1 (a warm-up not over, or pretrain.beta), the report
// says the train loss is not the bound; with weight 1 it says nothing.
func TestKLWeightNote(t *testing.T) {
	r := syntheticExperiment("vae")
	for _, c := range []struct {
		weight float64
		want   string // "" when no note may appear
	}{
		{1, ""},
		{0.5, "the train loss weighs the KL term by 0.5 (its weight at the last epoch's end), the validation and test losses by 1"},
		{4, "the train loss weighs the KL term by 4"},
	} {
		r.PretrainHistory[len(r.PretrainHistory)-1].KLWeight = c.weight
		md := renderMarkdown("t", sections(r, layout.At("/out"), func(string) bool { return true }))
		if has := strings.Contains(md, "weighs the KL term"); has != (c.want != "") || !strings.Contains(md, c.want) {
			t.Errorf("KL weight %g: want note %q, report has one: %v", c.weight, c.want, has)
		}
	}
}

// oddClasses are class names a folder of images may carry that Markdown
// or HTML would read as markup: a table's cell separator, a tag, a line
// break.
var oddClasses = []string{"a|b", "<b>", "x\ny"}

// TestCompareRunAndBrowser runs the stage on a tiny real experiment (a
// briefly trained model, no pretrain stage) whose first classes have
// oddClasses' names, and opens report.html in headless Chromium, which
// must decode every image and read each name as text. The whole
// pipeline's report is checked the same way in internal/app/pipeline.
func TestCompareRunAndBrowser(t *testing.T) {
	cfg, splits := testutil.PretrainedExperiment(t, 300, 64, 120)
	cfg.Compare.TestSubset = 100
	splits.Classes = append(append([]string(nil), oddClasses...), splits.Classes[len(oddClasses):]...)
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
	md, err := os.ReadFile(run.ReportMarkdown())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## kNN accuracy by representation", "## Summary", "## Conclusions", "report/knn_accuracy.png", "compare.test_subset = 100"} {
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
	if !strings.Contains(string(page), `<section class="summary">`) || strings.Index(string(page), "<h2>Summary") > strings.Index(string(page), "<h2>Setup") {
		t.Error("report.html does not open with the summary")
	}
	checkMarkdownTables(t, string(md))
	for _, want := range []string{`| a\|b |`, `| &lt;b&gt; |`, `| x<br>y |`, `| 0 a\|b |`} { // per-class and confusion tables
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks the escaped class name %q", want)
		}
	}
	// The page as Chromium parsed it: each odd name is a cell's text, and
	// no <b> element came from the class name.
	if strings.Contains(string(page), "<b>") || !strings.Contains(string(page), "&lt;b&gt;") {
		t.Error("report.html prints the class name <b> unescaped")
	}
	dom := testutil.BrowserDOM(t, run.ReportHTML())
	for _, want := range []string{`>a|b</td>`, `>&lt;b&gt;</td>`, ">x\ny</td>"} {
		if !strings.Contains(dom, want) {
			t.Errorf("Chromium's DOM lacks the cell %q", want)
		}
	}
	if strings.Contains(dom, "<b>") {
		t.Error("Chromium's DOM has a <b> element: a class name was read as a tag")
	}
	if m := regexp.MustCompile(`data-images="([0-9]+/[0-9]+)"`).FindStringSubmatch(dom); m == nil || m[1] != fmt.Sprintf("%d/%d", len(imgs), len(imgs)) {
		t.Errorf("Chromium decoded %v images, want all %d", m, len(imgs))
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

// checkMarkdownTables fails where a Markdown table's row has other than
// its header's number of cells (a cell separator is a "|" no backslash
// escapes).
func checkMarkdownTables(t *testing.T, md string) {
	t.Helper()
	head, tables := -1, 0
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			head = -1
			continue
		}
		n := 0
		for j := 0; j < len(line); j++ {
			switch line[j] {
			case '\\':
				j++
			case '|':
				n++
			}
		}
		if head < 0 {
			head, tables = n, tables+1
			continue
		}
		if n != head {
			t.Errorf("report.md line %d has %d cell separators, its table's header %d: %s", i+1, n, head, line)
		}
	}
	if tables == 0 {
		t.Error("report.md has no tables")
	}
}

// TestMarkdownCells: cells that would split a row, end it or open a tag
// keep the table's columns (the column count checked as a Markdown
// reader splits a row) and print as their text. Expected escapes are
// GitHub Flavored Markdown's: a backslash before a pipe or a backslash,
// <br> for a line break, entities for what reads as HTML.
func TestMarkdownCells(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a|b", `a\|b`},
		{"<b>", "&lt;b&gt;"},
		{"x\ny", "x<br>y"},
		{"x\r\ny", "x<br>y"},
		{`a\|b`, `a\\\|b`},
		{"true \\ predicted", `true \\ predicted`},
		{"< 0.0001", "< 0.0001"}, // no tag: stays readable
		{"R&D &amp; co", "R&amp;D &amp;amp; co"},
		{"<!-- x -->", "&lt;!-- x --&gt;"},
	} {
		if got := mdCell(c.in); got != c.want {
			t.Errorf("mdCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	md := renderMarkdown("t", []section{{"s", []block{table{head: []string{"class", "n"}, rows: [][]string{{"a|b", "1"}, {"<b>", "2"}, {"x\ny", "3"}, {`c\`, "4"}}}}}})
	checkMarkdownTables(t, md)
	if strings.Count(md, "\n|") != 6 {
		t.Errorf("want a header, a rule and 4 rows, one line each:\n%s", md)
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
