package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/app/pipeline"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// help returns the --help text of a command line.
func help(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, nil, append(args, "--help")...)
	if err != nil {
		t.Fatalf("%v --help: %v", args, err)
	}
	return out
}

// TestRunHelpNamesEveryStage: `run --help` names every stage the pipeline
// runs, in order, and says what --force reruns for each. The expected
// reruns are README's description of `hourglass run` (pretrain: everything;
// reduce: reduce and compare; compare: compare only) with finetune and
// generate, which compare reads too.
func TestRunHelpNamesEveryStage(t *testing.T) {
	out := help(t, "run")
	names := pipeline.Names()
	if len(names) != 5 {
		t.Fatalf("pipeline.Names() = %v; this test expects the five stages README describes", names)
	}
	if want := strings.Join(names, ", "); strings.Count(out, want) < 2 {
		t.Errorf("run --help does not list the stages %q in its short and long text:\n%s", want, out)
	}
	reruns := []struct{ stage, want string }{
		{"pretrain", "pretrain, finetune, reduce, generate, compare"},
		{"finetune", "finetune, compare"},
		{"reduce", "reduce, compare"},
		{"generate", "generate, compare"},
		{"compare", "compare"},
	}
	for _, r := range reruns {
		re := regexp.MustCompile(`--force ` + r.stage + ` +reruns ` + regexp.QuoteMeta(r.want) + `\n`)
		if !re.MatchString(out) {
			t.Errorf("run --help: no line saying --force %s reruns %s:\n%s", r.stage, r.want, out)
		}
	}
}

// TestCompareHelpNamesTheDefaultEngine: `compare --help` calls the exact
// search the default, as config.Default() has it, and golearn's
// KNNClassifier the cross-check and the other engine.
func TestCompareHelpNamesTheDefaultEngine(t *testing.T) {
	out := strings.Join(strings.Fields(help(t, "compare")), " ") // lines joined
	if d := config.Default().Compare.KNN; d != "exact" {
		t.Fatalf("config.Default().Compare.KNN = %q; this test expects exact", d)
	}
	for _, want := range []string{"exact kNN", "compare.knn exact", "by default", "compare.knn golearn", "compare.golearn_check", "cross-check"} {
		if !strings.Contains(out, want) {
			t.Errorf("compare --help lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "golearn kNN") {
		t.Errorf("compare --help still calls the search golearn kNN:\n%s", out)
	}
}

// TestExportExampleMatchesDocs: the `data export` line in its help, in
// README.md and in configs/images-example.yaml (which reads the folder it
// writes) asks for the same numbers of images.
func TestExportExampleMatchesDocs(t *testing.T) {
	flags := regexp.MustCompile(`--per-class (\d+)\s+(?:\\\s+)?--test-per-class (\d+)\s+(?:\\\s+)?--unlabelled\s+(\d+)`)
	find := func(name, text string) []string {
		m := flags.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s: no data export line with --per-class, --test-per-class and --unlabelled", name)
		}
		return m[1:]
	}
	want := find("data export --help", help(t, "data", "export"))
	for _, f := range []string{"../../../README.md", "../../../configs/images-example.yaml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// README wraps the command; the YAML comment continues it with "\" and "#".
		text := strings.ReplaceAll(string(b), "\n#", "\n")
		if got := find(f, text); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: --per-class, --test-per-class, --unlabelled %v; data export --help says %v", f, got, want)
		}
	}
}

// TestBenchmarksDocument: the committed BENCHMARKS.md is a document `bench
// --markdown` wrote (its header fields and a row for each batch size
// README names), and the command README says writes it is the one that
// did: every flag README gives is in the document's command line.
func TestBenchmarksDocument(t *testing.T) {
	b, err := os.ReadFile("../../../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{"| commit | ", "| CPU | ", "| cores | ", "| Go | ", "| date | ", "| load average (1 min)",
		"| 32 | hourglass | ", "| 128 | hourglass | ", "| 512 | hourglass | ", "## PyTorch side by side", "## Exact kNN search"} {
		if !strings.Contains(doc, want) {
			t.Errorf("BENCHMARKS.md lacks %q", want)
		}
	}
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	m := regexp.MustCompile("`(hourglass bench --markdown BENCHMARKS.md[^`]*)`").FindStringSubmatch(text)
	if m == nil {
		t.Fatal("README.md names no `hourglass bench --markdown BENCHMARKS.md ...` command")
	}
	written := regexp.MustCompile("Written by `([^`]*)`").FindStringSubmatch(doc)
	if written == nil {
		t.Fatal("BENCHMARKS.md does not say which command wrote it")
	}
	have := " " + written[1] + " "
	f := strings.Fields(m[1])[2:]
	for i := 0; i+1 < len(f); i += 2 {
		if pair := " " + f[i] + " " + f[i+1] + " "; !strings.Contains(have, pair) {
			t.Errorf("README's command has %q; BENCHMARKS.md was written by %q", strings.TrimSpace(pair), written[1])
		}
	}
}

// TestDataHue: `data hue DIR` writes a train and a test folder of the three
// hue classes, as many images as asked, that an images source reads at a
// colour model's input.
func TestDataHue(t *testing.T) {
	dir := t.TempDir()
	if _, err := run(t, nil, "data", "hue", dir, "--train", "9", "--test", "6"); err != nil {
		t.Fatal(err)
	}
	for part, want := range map[string]int{"train": 9, "test": 6} {
		files, err := filepath.Glob(filepath.Join(dir, part, "*", "*.png"))
		if err != nil || len(files) != want {
			t.Errorf("%s: %d PNG files (%v), want %d", part, len(files), err, want)
		}
	}
	if _, err := run(t, nil, "data", "hue", dir, "--train", "2"); err == nil || !strings.Contains(err.Error(), "--train 2") {
		t.Errorf("--train 2: %v, want an error naming it", err)
	}
}
