package compare

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/internal/testutil"
	"github.com/hourglass-ml/hourglass/pretrain"
	"github.com/hourglass-ml/hourglass/reduce"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// syntheticResults is a hand-made experiment: fixed numbers, so the
// Markdown is fixed too.
func syntheticResults() *Results {
	c := config.Default()
	c.Name = "synthetic"
	k := func(name string, dim int, acc float64, secs float64) KNNResult {
		r := KNNResult{Representation: name, Dim: dim, K: 5, Queries: 100, Neighbours: 1000, Accuracy: acc, Seconds: secs}
		for i := range r.PerClass {
			r.PerClass[i] = acc
			r.Confusion[i][i] = 10
		}
		return r
	}
	r := &Results{Name: "synthetic", Config: &c, Seed: 1, Backend: "go", Cores: 2, BLAS: "test BLAS", KNNPath: KNNPath,
		Versions: map[string]string{"gonum.org/v1/gonum": "v0.17.0"}, TrainImages: 1000, TestImages: 200, Queries: 100, TestSubset: 100, K: 5,
		Pretrain: &pretrain.Summary{Epochs: 3, FinalTrain: 0.02, FinalVal: 0.021, BestVal: 0.021, BestEpoch: 3, TestMSE: 0.0205,
			WallSeconds: 60, Parameters: 43889, Backend: "go", BatchSize: 128, LearningRate: 0.001, Schedule: "constant"},
		Reduce: &reduce.Result{TrainImages: 1000, TestImages: 200, PCAFitSeconds: 0.5, Cumulative: []float64{0.3, 0.5, 0.6, 0.65},
			Representations: []reduce.Representation{{Name: "pca-2", Dim: 2, TestMSE: 0.04}, {Name: "pca-4", Dim: 4, TestMSE: 0.03}, {Name: "autoencoder", Dim: 576, TestMSE: 0.02}}},
		KNN: []KNNResult{k("pixels", 784, 0.85, 10), k("pca-2", 2, 0.50, 1), k("pca-4", 4, 0.70, 1.5), k("autoencoder", 576, 0.82, 8)},
		Finetune: &FinetuneResults{Rows: []FinetuneRow{{"frozen", 10, 3, 0.6, 0.02}, {"scratch", 10, 3, 0.5, 0.03}, {"unfrozen", 10, 3, 0.55, 0.02},
			{"frozen", 0, 1, 0.8, 0}, {"scratch", 0, 1, 0.85, 0}, {"unfrozen", 0, 1, 0.9, 0}}},
	}
	r.Conclusion = conclude(r)
	return r
}

// TestReportGolden renders the synthetic experiment's Markdown; compare
// with testdata/report.golden.md (go test ./compare -run Golden -update
// rewrites it after a deliberate change).
func TestReportGolden(t *testing.T) {
	r := syntheticResults()
	// Every figure "exists" so the layout shows them all.
	got := renderMarkdown("hourglass report: synthetic", sections(r, func(string) bool { return true }))
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

// TestConclusionFollowsNumbers flips the winner and checks the words flip.
func TestConclusionFollowsNumbers(t *testing.T) {
	r := syntheticResults()
	text := strings.Join(r.Conclusion, " ")
	for _, want := range []string{"raw pixels scored best: 85.00%", "(576 values, 82.00%) beat the best PCA codes", "beat PCA holds",
		"With 10 labels per class, the frozen encoder beat training from scratch", "With all labels, training from scratch beat the frozen encoder",
		"(unfrozen, 55.00%) trailed the best method by 5.00 points", "(unfrozen) was best there: 90.00%"} {
		if !strings.Contains(text, want) {
			t.Errorf("conclusion lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "With 10 labels") > strings.Index(text, "With all labels") {
		t.Error("label counts out of order: all labels should come last")
	}
	r.KNN[3].Accuracy = 0.6
	text = strings.Join(conclude(r), " ")
	for _, want := range []string{"(576 values, 60.00%) trailed the best PCA codes", "beat PCA does not hold", "by 10.00 points"} {
		if !strings.Contains(text, want) {
			t.Errorf("after the flip, conclusion lacks %q:\n%s", want, text)
		}
	}
}

// TestCompareRunAndBrowser runs the stage on a tiny real experiment and
// opens report.html in headless Chromium, which must decode every image.
func TestCompareRunAndBrowser(t *testing.T) {
	splits := testutil.TinySplits(t, 300, 64, 120)
	cfg := testutil.TinyConfig(t)
	cfg.Compare.TestSubset = 100
	testutil.Pretrained(t, cfg, splits)
	if _, err := reduce.Run(context.Background(), cfg, reduce.Options{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), cfg, Options{Splits: splits, Versions: map[string]string{"x": "1"}})
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
	var back Results
	b, _ := os.ReadFile(filepath.Join(cfg.OutputDir, ResultsJSON))
	if err := json.Unmarshal(b, &back); err != nil || len(back.KNN) != 4 || back.Config.Name != "tiny" {
		t.Errorf("results.json: %v", err)
	}
	md, _ := os.ReadFile(filepath.Join(cfg.OutputDir, ReportMarkdown))
	for _, want := range []string{"## Pretraining", "## kNN accuracy by representation", "## Conclusion", "report/knn_accuracy.png", "compare.test_subset = 100"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	imgs := regexp.MustCompile(`<img `).FindAll(mustRead(t, filepath.Join(cfg.OutputDir, ReportHTML)), -1)
	if len(imgs) < 6 {
		t.Errorf("report.html has %d images, want at least 6", len(imgs))
	}
	loaded := browserImages(t, filepath.Join(cfg.OutputDir, ReportHTML))
	if want := fmt.Sprintf("%d/%d", len(imgs), len(imgs)); loaded != want {
		t.Errorf("Chromium decoded %q images, want %s", loaded, want)
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// browserImages loads the page in headless Chromium and returns the
// data-images marker ("decoded/total") its script sets on load.
func browserImages(t *testing.T, page string) string {
	t.Helper()
	bin := ""
	for _, c := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(c); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Fatal("headless Chromium is needed for this test: apt-get install chromium (make setup does)")
	}
	abs, _ := filepath.Abs(page)
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom", "file://"+abs)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatal("Chromium did not finish in 90s")
	}
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`data-images="([0-9]+/[0-9]+)"`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("the page never finished loading (no data-images marker); DOM starts %q", string(out[:min(len(out), 300)]))
	}
	return string(m[1])
}
