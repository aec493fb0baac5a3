package bench

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// report is a report of given figures (made up for the test: the writer
// only formats them) at two batch sizes, two variants at the first.
func report() Report {
	return Report{
		Machine: Machine{Commit: "0123456789ab", CPU: "Test CPU @ 1.00GHz", Cores: 3, GoVersion: "go1.99",
			Date: time.Date(2031, 2, 3, 4, 5, 0, 0, time.UTC)},
		Command:    "hourglass bench --markdown B.md --batches 32,128",
		LoadBefore: "0.52", LoadAfter: "2.10",
		Notes: []string{"A shared machine: figures are noisy."},
		Training: []Result{
			{Variant: "hourglass", Backend: "go", Kernels: "hourglass (AVX2/FMA)", Data: "random", BatchSize: 32, Steps: 4, MsPerStep: 8.25, TrainImagesPerSec: 3878.8, EncodeImagesPerSec: 20000.4, PeakRSSMiB: 60.2,
				UsefulGFLOP: 0.415, GFLOPs: 50.3, KernelPeakGFLOPs: 251.5},
			{Variant: "stock", Backend: "go", Kernels: "simplego", Data: "random", BatchSize: 32, Steps: 4, MsPerStep: 700, TrainImagesPerSec: 45.7, EncodeImagesPerSec: 1100, PeakRSSMiB: 400,
				UsefulGFLOP: 0.415, GFLOPs: 0.593},
			{Variant: "hourglass", Backend: "go", Kernels: "hourglass (AVX2/FMA)", Data: "random", BatchSize: 128, Steps: 4, MsPerStep: 24, TrainImagesPerSec: 5333.3, EncodeImagesPerSec: 25000, PeakRSSMiB: 110,
				UsefulGFLOP: 1.66, GFLOPs: 69.1, KernelPeakGFLOPs: 240},
		},
		PeerNote: "python3 cannot import torch (ModuleNotFoundError: No module named 'torch')",
		KNN: &KNNResult{Queries: 10000, TrainRows: 60000, Dim: 784, K: 5, Seconds: 4.25, IndexSeconds: 0.5, SearchSeconds: 3.75,
			GFLOPs: 221.4, KernelGFLOPs: 300, Accuracy: 0.8554, PeakRSSMiB: 512},
	}
}

func markdown(t *testing.T, r Report) string {
	t.Helper()
	var b strings.Builder
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestMarkdownHeaderAndRows: the header names the commit, CPU, cores, Go
// version and date; the training table has one row per result, the kNN
// table one row; without PyTorch figures the document says why. Expected
// rows are the given figures at the writer's precision (0.1 ms, whole
// images/s and MiB, 0.01 s, 0.01%).
func TestMarkdownHeaderAndRows(t *testing.T) {
	doc := markdown(t, report())
	for _, want := range []string{
		"# Benchmarks\n",
		"`hourglass bench --markdown B.md --batches 32,128`",
		"| commit | 0123456789ab |\n",
		"| CPU | Test CPU @ 1.00GHz |\n",
		"| cores | 3 |\n",
		"| Go | go1.99 |\n",
		"| date | 2031-02-03 04:05 UTC |\n",
		"| load average (1 min), before / after | 0.52 / 2.10 |\n",
		"| backend | go (kernels: hourglass (AVX2/FMA)) |\n",
		"A shared machine: figures are noisy.\n",
		// GFLOP/s against each row's kernel peak: 50.3/251.5 = 20%, 69.1/240 = 29%;
		// the stock variant runs on simplego's kernels, so no share of ours.
		"| 32 | hourglass | hourglass (AVX2/FMA) | 8.2 | 3879 | 20000 | 60 | 0.415 | 50.3 | 251.5 | 20% |\n",
		"| 32 | stock | simplego | 700.0 | 46 | 1100 | 400 | 0.415 | 0.6 | - | - |\n",
		"| 128 | hourglass | hourglass (AVX2/FMA) | 24.0 | 5333 | 25000 | 110 | 1.66 | 69.1 | 240.0 | 29% |\n",
		"timed in up to 4 bursts of 250 ms between each row's timed steps",
		"Not measured: python3 cannot import torch",
		"| 10000 | 60000 | 784 | 4.25 | 0.50 | 3.75 | 221 | 300 | 85.54% | 512 |\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q:\n%s", want, doc)
		}
	}
	// Table lines other than separators: the header table's 8 rows (5 +
	// load + backend + data), 3 training results, 1 kNN search, and each
	// of the three tables' heading line.
	rows := regexp.MustCompile(`(?m)^\| .* \|$`).FindAllString(doc, -1)
	if len(rows) != 8+3+1+3 {
		t.Errorf("%d table lines, want 15:\n%s", len(rows), doc)
	}
}

// TestMarkdownPeerTable: with PyTorch's figures, one row per batch size
// where both were timed, hourglass's time over PyTorch's; without a kNN
// search, no kNN section.
func TestMarkdownPeerTable(t *testing.T) {
	r := report()
	r.KNN = nil
	r.PeerNote = "PyTorch 2.1.0"
	r.Peer = map[int]PeerResult{32: {BatchSize: 32, MsPerStep: 8.25, EncodeImagesPerSec: 12000}, 512: {BatchSize: 512, MsPerStep: 100}}
	doc := markdown(t, r)
	// 8.25 / 8.25 = 1.00x; batch 128 has no peer figure, batch 512 no hourglass one.
	if want := "| 32 | 8.2 | 8.2 | 1.00x | 20000 / 12000 |\n"; !strings.Contains(doc, want) {
		t.Errorf("document lacks %q:\n%s", want, doc)
	}
	for _, absent := range []string{"| 128 | 24.0 |", "| 512 |", "Not measured", "Exact kNN"} {
		if strings.Contains(doc, absent) {
			t.Errorf("document holds %q:\n%s", absent, doc)
		}
	}
	if !strings.Contains(doc, "PyTorch 2.1.0, the same model") {
		t.Errorf("document does not say which PyTorch:\n%s", doc)
	}
}

// TestWriteMarkdownFile: the file holds exactly what WriteMarkdown writes,
// and a folder that does not exist is an error naming the path.
func TestWriteMarkdownFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := WriteMarkdownFile(p, report()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != markdown(t, report()) {
		t.Errorf("file differs from WriteMarkdown's output")
	}
	bad := filepath.Join(t.TempDir(), "missing", "B.md")
	if err := WriteMarkdownFile(bad, report()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("writing into a missing folder: %v", err)
	}
}

// TestParseTorch reads the line scripts/peers/torch_autoencoder.py prints
// (its f-string: "torch batch {batch} ms/step {ms:.1f} train img/s
// {img:.1f} encode img/s {enc:.1f} data {data}") and refuses another.
func TestParseTorch(t *testing.T) {
	r, err := ParseTorch("torch batch 128 ms/step 29.9 train img/s 4280.9 encode img/s 14500.0 data real")
	if err != nil {
		t.Fatal(err)
	}
	if r != (PeerResult{BatchSize: 128, MsPerStep: 29.9, TrainImagesPerSec: 4280.9, EncodeImagesPerSec: 14500}) {
		t.Errorf("parsed %+v", r)
	}
	if _, err := ParseTorch("parameters 43889"); err == nil || !strings.Contains(err.Error(), "parameters 43889") {
		t.Errorf("another line: %v", err)
	}
}

// TestCPUModel reads the first "model name" of a cpuinfo file, and says
// "unknown" without one.
func TestCPUModel(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cpuinfo")
	text := "processor\t: 0\nvendor_id\t: X\nmodel name\t: Example CPU 9000\nflags\t: a b\n\nprocessor\t: 1\nmodel name\t: Example CPU 9000\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := cpuModel(p); got != "Example CPU 9000" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel(filepath.Join(dir, "none")); got != "unknown" {
		t.Errorf("cpuModel of a missing file = %q", got)
	}
}

// TestLoadAverage reads the first field of a loadavg file (the format of
// proc(5)), and says "unknown" without one.
func TestLoadAverage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "loadavg")
	if err := os.WriteFile(p, []byte("1.25 0.80 0.40 2/345 6789\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := loadAverage(p); got != "1.25" {
		t.Errorf("loadAverage = %q, want 1.25", got)
	}
	if got := loadAverage(p + ".none"); got != "unknown" {
		t.Errorf("loadAverage of a missing file = %q", got)
	}
}
