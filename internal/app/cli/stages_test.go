package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
)

// experimentFile writes a small real-data experiment into a temporary
// output folder and returns the file and the folder.
func experimentFile(t *testing.T) (string, string) {
	out := t.TempDir()
	return writeFile(t, "exp.yaml", fmt.Sprintf(`name: cli
output_dir: %s
data:
  train_subset: 512
pretrain:
  epochs: 1
  batch_size: 64
  reconstructions: 2
finetune:
  labels_per_class: [5]
  seeds: 1
  epochs: 2
  methods: [frozen]
reduce:
  pca_dims: [8]
generate:
  quality_samples: 500
  classifier_epochs: 1
  samples: 16
compare:
  test_subset: 200
`, out)), out
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s output lacks %q:\n%s", what, w, out)
		}
	}
}

// TestStageCommands drives pretrain, finetune, reduce, generate and
// compare one by one, as a user would, and checks what each prints and writes.
func TestStageCommands(t *testing.T) {
	file, out := experimentFile(t)
	run := layout.At(out)
	for _, tc := range []struct {
		args  []string
		wants []string
		files []string
	}{
		{[]string{"pretrain", "--quiet", "--config", file}, []string{"pretrained 1 epochs", "test MSE", run.StageDir("pretrain")},
			[]string{run.PretrainSummary(), run.LossPlot()}},
		{[]string{"finetune", "--quiet", "--config", file}, []string{"frozen", "5", "results in " + run.StageDir("finetune")},
			[]string{run.FinetuneResultsJSON(), run.EfficiencyPlot()}},
		{[]string{"reduce", "--quiet", "--config", file}, []string{"pca-8", "autoencoder", "PCA fitted on 512 training images"},
			[]string{run.ReduceJSON(), run.Codes(layout.TestSplit, "pca-8")}},
		{[]string{"generate", "--quiet", "--config", file}, []string{"feature classifier: test accuracy", "autoencoder  Fréchet distance", "pictures in " + run.StageDir("generate")},
			[]string{run.GenerateJSON(), run.AutoencoderSamples()}},
		{[]string{"compare", "--quiet", "--config", file}, []string{"pixels", "pca-8", "autoencoder", "report: " + run.ReportHTML()},
			[]string{run.ReportMarkdown(), run.ResultsJSON()}},
	} {
		got, err := run0(t, tc.args...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		mustContain(t, tc.args[0], got, tc.wants...)
		for _, f := range tc.files {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%s did not write %s", tc.args[0], f)
			}
		}
	}
	md, err := os.ReadFile(run.ReportMarkdown())
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "report.md", string(md), "## Pretraining", "## Transfer learning", "## Generation", "## Summary", "## Conclusions")
}

// TestRunCommand: `run FILE` runs every stage, a second `run` skips them
// all, FILE together with the same --config is fine, with another one it
// is an error naming both.
func TestRunCommand(t *testing.T) {
	file, out := experimentFile(t)
	got, err := run0(t, "run", "--quiet", file)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "run", got, "pretrain  done", "finetune  done", "reduce    done", "generate  done", "compare   done", "report: "+layout.At(out).ReportHTML())
	got, err = run0(t, "run", "--quiet", file, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "second run", got, "pretrain  skipped", "finetune  skipped", "reduce    skipped", "generate  skipped", "compare   skipped")
	other := writeFile(t, "other.yaml", "name: other\n")
	if _, err := run0(t, "run", file, "--config", other); err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), other) {
		t.Errorf("run FILE --config OTHER: %v", err)
	}
	if _, err := run0(t, "run", "--quiet", file, "--force", "reduce"); err != nil {
		t.Errorf("--force reduce: %v", err)
	}
	if _, err := run0(t, "run", file, "--force", "everything"); err == nil || !strings.Contains(err.Error(), "everything") {
		t.Errorf("--force everything: %v", err)
	}
}

// TestPretrainFlags: --resume is gone (resuming is what pretrain always
// does); --restart starts over.
func TestPretrainFlags(t *testing.T) {
	file, _ := experimentFile(t)
	if _, err := run0(t, "pretrain", "--resume", "--config", file); err == nil || !strings.Contains(err.Error(), "unknown flag") {
		t.Errorf("--resume: %v", err)
	}
	if _, err := run0(t, "pretrain", "--quiet", "--restart", "--config", file); err != nil {
		t.Errorf("--restart on a fresh folder: %v", err)
	}
}

// TestStageErrors: a later stage without pretraining says what to run.
func TestStageErrors(t *testing.T) {
	file, _ := experimentFile(t)
	for _, cmd := range []string{"finetune", "reduce"} {
		if _, err := run0(t, cmd, "--config", file); err == nil || !strings.Contains(err.Error(), "hourglass pretrain") {
			t.Errorf("%s before pretrain: %v", cmd, err)
		}
	}
	if _, err := run0(t, "compare", "--config", file); err == nil || !strings.Contains(err.Error(), "hourglass reduce") {
		t.Errorf("compare before reduce: %v", err)
	}
	if _, err := run0(t, "run", filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("run of a missing file: %v", err)
	}
}

// run0 runs a command with an empty environment.
func run0(t *testing.T, args ...string) (string, error) { return run(t, nil, args...) }

// TestRunStopsAtMissingAutoencoder: `hourglass run configs/vae.yaml`
// without the quickstart experiment it compares with stops before
// pretraining (no pretrain folder), naming generate.autoencoder and the
// command that makes it.
func TestRunStopsAtMissingAutoencoder(t *testing.T) {
	out, missing := t.TempDir(), filepath.Join(t.TempDir(), "quickstart")
	_, err := run0(t, "run", "../../../configs/vae.yaml", "--quiet", "--set", "output_dir="+out, "--set", "generate.autoencoder="+missing)
	if err == nil {
		t.Fatal("no error")
	}
	mustContain(t, "run", err.Error(), "generate.autoencoder: "+missing+" does not exist", "hourglass run configs/quickstart.yaml")
	if _, err := os.Stat(filepath.Join(out, "pretrain")); !os.IsNotExist(err) {
		t.Errorf("the pretrain folder exists (%v)", err)
	}
}
