package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
	"github.com/hourglass-ml/hourglass/model"
)

// run executes the command line args with the given environment and
// returns stdout and the error.
func run(t testing.TB, env map[string]string, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigShowPrecedence(t *testing.T) {
	file := writeFile(t, "e.yaml", "name: mine\npretrain:\n  epochs: 7\n  batch_size: 32\ncompare:\n  k: 3\n")
	env := map[string]string{"HOURGLASS_PRETRAIN_EPOCHS": "9", "HOURGLASS_COMPARE_K": "4"}
	out, err := run(t, env, "config", "show", "--config", file, "--set", "pretrain.epochs=12")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"name: mine",           // file
		"epochs: 12",           // flag beats env 9 and file 7
		"k: 4",                 // env beats file 3
		"batch_size: 32",       // file beats default 128
		"learning_rate: 0.001", // default
	} {
		if !strings.Contains(out, want) {
			t.Errorf("config show lacks %q:\n%s", want, out)
		}
	}
}

func TestConfigShowDefaults(t *testing.T) {
	out, err := run(t, nil, "config", "show")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "epochs: 100") || !strings.Contains(out, "batch_size: 128") {
		t.Errorf("defaults should be the paper's protocol:\n%s", out)
	}
}

func TestConfigErrorsThroughCLI(t *testing.T) {
	typo := writeFile(t, "typo.yaml", "pretrain:\n  learnig_rate: 0.01\n")
	badType := writeFile(t, "type.yaml", "compare:\n  k: five\n")
	badRange := writeFile(t, "range.yaml", "data:\n  validation: 70000\n")
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"misspelled key", nil, []string{"config", "show", "--config", typo}, []string{typo, "pretrain.learnig_rate", "pretrain.learning_rate"}},
		{"bad type", nil, []string{"config", "show", "--config", badType}, []string{badType, "compare.k", `"five"`, "integer"}},
		{"bad range", nil, []string{"config", "show", "--config", badRange}, []string{badRange, "data.validation", "70000", "0 to 59999"}},
		{"bad env", map[string]string{"HOURGLASS_BACKEND": "cuda"}, []string{"config", "show"}, []string{"HOURGLASS_BACKEND", `"cuda"`, "xla:cuda"}},
		{"bad flag", nil, []string{"config", "show", "--set", "pretrain.batch_size=0"}, []string{"--set pretrain.batch_size=0", ">= 1"}},
	}
	for _, tc := range cases {
		_, err := run(t, tc.env, tc.args...)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	out, err := run(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "hourglass ") {
		t.Errorf("version: %q %v", out, err)
	}
}

func realDataDir(t *testing.T) string {
	loc, err := data.Discover("", nil)
	if err != nil {
		t.Fatalf("the real Fashion-MNIST is needed for this test: %v", err)
	}
	return loc.Dir
}

func TestDataVerifyReal(t *testing.T) {
	dir := realDataDir(t)
	out, err := run(t, nil, "data", "verify", "--set", "data.dir="+dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{dir, "60000 items  sha256 ok", "10000 items  sha256 ok",
		"[6000 6000 6000 6000 6000 6000 6000 6000 6000 6000]", "all 4 files verified"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
}

func TestDataVerifyTruncatedCopy(t *testing.T) {
	src := realDataDir(t)
	dst := t.TempDir()
	var truncated string
	for _, f := range data.Files {
		p := filepath.Join(src, f.Name+".gz")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == "t10k-images-idx3-ubyte" {
			b = b[:len(b)/2]
			truncated = filepath.Join(dst, f.Name+".gz")
		}
		if err := os.WriteFile(filepath.Join(dst, f.Name+".gz"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, map[string]string{"HOURGLASS_DATA_DIR": dst}, "data", "verify")
	if err == nil {
		t.Fatal("verifying a truncated copy succeeded")
	}
	if !strings.Contains(out, truncated) || !strings.Contains(out, "PROBLEM") {
		t.Errorf("output should name %s as a problem:\n%s", truncated, out)
	}
}

func TestDataFetchCLI(t *testing.T) {
	src := realDataDir(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer srv.Close()
	dst := filepath.Join(t.TempDir(), "cache")
	out, err := run(t, nil, "data", "fetch", "--quiet", "--mirror", srv.URL, "--dir", dst)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "downloaded and verified in "+dst) {
		t.Errorf("fetch output: %q", out)
	}
	out, err = run(t, nil, "data", "verify", "--set", "data.dir="+dst)
	if err != nil || !strings.Contains(out, "all 4 files verified") {
		t.Errorf("fetched data does not verify: %v\n%s", err, out)
	}
}

func TestModelSummaryCLI(t *testing.T) {
	out, err := run(t, nil, "model", "summary")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"16x14x14", "18,464", "1x28x28", "43,889"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchCLIJSON(t *testing.T) {
	out, err := run(t, nil, "bench", "--quiet", "--json", "--steps", "2", "--warmup", "1", "--batch", "16", "--encode", "2", "--stock", "--simplego-kernels")
	if err != nil {
		t.Fatal(err)
	}
	var rs []struct {
		Variant   string  `json:"variant"`
		FirstLoss float64 `json:"first_loss"`
		Kernels   string  `json:"kernels"`
		MsPerStep float64 `json:"ms_per_step"`
		Encode    float64 `json:"encode_images_per_sec"`
		BatchSize int     `json:"batch_size"`
		GFLOP     float64 `json:"useful_gflop_per_step"`
		Rate      float64 `json:"gflop_per_s"`
		Peak      float64 `json:"kernel_peak_gflop_per_s"`
	}
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("bench --json printed no JSON: %v\n%s", err, out)
	}
	if len(rs) != 3 || rs[0].Variant != "hourglass" || rs[1].Variant != "simplego-kernels" || rs[2].Variant != "stock" {
		t.Fatalf("variants %+v", rs)
	}
	want := "simplego"
	switch {
	case gemm.AVX512:
		want = "hourglass (AVX-512)"
	case gemm.Accelerated:
		want = "hourglass (AVX2/FMA)"
	}
	if rs[0].Kernels != want || rs[1].Kernels != "simplego" || rs[2].Kernels != "simplego" {
		t.Errorf("kernels %q, %q, %q; want %q, simplego, simplego", rs[0].Kernels, rs[1].Kernels, rs[2].Kernels, want)
	}
	// Same model, seed and batches: the two product kernels agree on the
	// first loss to float32 rounding (1e-5 relative).
	if d := math.Abs(rs[0].FirstLoss - rs[1].FirstLoss); d > 1e-5*rs[1].FirstLoss {
		t.Errorf("first loss %v with hourglass's kernels, %v with simplego's", rs[0].FirstLoss, rs[1].FirstLoss)
	}
	flops, err := model.TrainingFLOPs(model.Paper())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.MsPerStep <= 0 || r.Encode <= 0 || r.BatchSize != 16 {
			t.Errorf("implausible result %+v", r)
		}
		// The step's products: the paper model's count times 16 images, over
		// the step's time (to the JSON's float64 rounding).
		if want := flops * 16 / 1e9; math.Abs(r.GFLOP-want) > 1e-9*want || math.Abs(r.Rate-r.GFLOP/(r.MsPerStep/1000)) > 1e-6*r.Rate {
			t.Errorf("%s: %v GFLOP a step at %v GFLOP/s in %v ms; want %v GFLOP", r.Variant, r.GFLOP, r.Rate, r.MsPerStep, want)
		}
	}
	// Only hourglass's kernel is set beside its own rate.
	if rs[0].Peak <= 0 && gemm.Accelerated || rs[1].Peak != 0 || rs[2].Peak != 0 {
		t.Errorf("kernel peaks %v, %v, %v: want one for hourglass's kernels only", rs[0].Peak, rs[1].Peak, rs[2].Peak)
	}
}

// TestBenchProfile: bench --profile N prints, after the table, the N graph
// steps that took longest in a training step, slowest first, the model's
// convolutions among them; with --json every step goes into the JSON, each
// run a whole number of times a training step (steps of the same kind and
// shapes share a row), the convolutions once each.
func TestBenchProfile(t *testing.T) {
	out, err := run(t, nil, "bench", "--quiet", "--steps", "2", "--warmup", "1", "--batch", "16", "--encode", "0", "--profile", "4")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(out, "where a training step's")
	if !ok {
		t.Fatalf("no profile in\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(after), "\n")
	if len(lines) != 2+4 || !strings.Contains(lines[1], "ms/step") {
		t.Fatalf("profile of %d lines, want a header and 4 rows:\n%s", len(lines), after)
	}
	prev := math.Inf(1)
	for _, l := range lines[2:] {
		var ms float64
		if _, err := fmt.Sscan(strings.Fields(l)[0], &ms); err != nil || ms > prev {
			t.Errorf("row %q: %v ms after %v (not slowest first)", l, ms, prev)
		}
		prev = ms
	}
	out, err = run(t, nil, "bench", "--quiet", "--json", "--steps", "2", "--warmup", "1", "--batch", "16", "--encode", "0", "--profile", "1")
	if err != nil {
		t.Fatal(err)
	}
	var rs []struct {
		Profile []struct {
			Step  string  `json:"step"`
			Calls float64 `json:"calls_per_step"`
			Ms    float64 `json:"ms_per_step"`
		} `json:"profile"`
	}
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 1 {
		t.Fatalf("bench --json --profile: %v\n%s", err, out)
	}
	convs := 0
	for _, p := range rs[0].Profile {
		if p.Calls < 1 || p.Calls != math.Trunc(p.Calls) || p.Ms < 0 {
			t.Errorf("%+v: want a whole number of calls a training step", p)
		}
		if strings.HasPrefix(p.Step, "conv ") {
			convs++
			if p.Calls != 1 {
				t.Errorf("%+v: a convolution run %v times a step, want once", p, p.Calls)
			}
		}
	}
	// Three encoder layers, each forward and kernel gradient, and the input
	// gradients of the upper two: 8 convolutions a step.
	if gemm.Accelerated && convs != 8 {
		t.Errorf("%d convolution steps in the profile, want 8:\n%+v", convs, rs[0].Profile)
	}
}

// TestBenchMarkdown: bench --markdown times each of --batches and writes
// a document headed by the commit, CPU, cores, Go version and date, with
// one training row per batch size and, without a peer script, a line
// saying PyTorch was not measured.
func TestBenchMarkdown(t *testing.T) {
	p := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	out, err := run(t, nil, "bench", "--quiet", "--markdown", p, "--batches", "8,16", "--steps", "1", "--warmup", "0",
		"--encode", "1", "--knn-queries", "0", "--peer", "", "--note", "A paragraph.")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{"| commit | ", "| CPU | ", "| cores | ", "| Go | go", "| date | ", "| load average (1 min), before / after | ", "--batches 8,16",
		"| 8 | hourglass | ", "| 16 | hourglass | ", "Not measured: no --peer script given"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q:\n%s", want, doc)
		}
	}
	if strings.Count(doc, "A paragraph.") != 1 {
		t.Errorf("the --note paragraph is not in the document once (in the command line too?):\n%s", doc)
	}
	if strings.Contains(doc, "Exact kNN") {
		t.Errorf("--knn-queries 0 left a kNN section:\n%s", doc)
	}
	if !strings.Contains(out, "batch 8,") || !strings.Contains(out, "batch 16,") {
		t.Errorf("the tables printed lack a batch size:\n%s", out)
	}
}
