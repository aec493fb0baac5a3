package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// outcome runs the pipeline, fails the test on an error, and returns
// "stage:ran" or "stage:skipped" for each stage, in order.
func outcome(t *testing.T, ctx context.Context, cfg *config.Config, o Options) []string {
	t.Helper()
	rs, err := Run(ctx, cfg, o)
	if err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s:%s", r.Stage, map[bool]string{true: "skipped", false: "ran"}[r.Skipped]))
	}
	return out
}

func want(states ...string) []string {
	names := Names()
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + ":" + states[i]
	}
	return out
}

func tiny(t *testing.T) (*config.Config, *data.Splits) {
	cfg := testutil.TinyConfig(t)
	cfg.Pretrain.Epochs = 2
	cfg.Finetune.LabelsPerClass, cfg.Finetune.Seeds, cfg.Finetune.Epochs = []config.LabelCount{5}, 1, 3
	cfg.Finetune.Methods = []config.Method{config.Frozen, config.Scratch}
	return cfg, testutil.TinySplits(t, 256, 64, 80)
}

// TestRunSkipsAndResumes: a first run does every stage and writes a report
// whose images all load in Chromium; a second skips them all; forcing
// reduce reruns reduce and compare; changing compare.k reruns compare
// only; forcing pretrain reruns everything.
func TestRunSkipsAndResumes(t *testing.T) {
	cfg, splits := tiny(t)
	ctx, o := context.Background(), Options{Env: stage.Env{Splits: splits}}
	if got := outcome(t, ctx, cfg, o); !slices.Equal(got, want("ran", "ran", "ran", "ran", "ran")) {
		t.Fatalf("first run: %v", got)
	}
	run := layout.At(cfg.OutputDir)
	md, err := os.ReadFile(run.ReportMarkdown())
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"## Pretraining", "## Representations", "## Transfer learning", "## Summary", "## Conclusions"} {
		if !strings.Contains(string(md), section) {
			t.Errorf("the report lacks %q although every stage ran", section)
		}
	}
	html, err := os.ReadFile(run.ReportHTML())
	if err != nil {
		t.Fatal(err)
	}
	imgs := len(regexp.MustCompile(`<img `).FindAll(html, -1))
	if imgs < 7 { // loss, reconstructions, explained variance, kNN bars, label efficiency, two scatters
		t.Errorf("report.html has %d images, want at least 7", imgs)
	}
	if loaded := testutil.BrowserImages(t, run.ReportHTML()); loaded != fmt.Sprintf("%d/%d", imgs, imgs) {
		t.Errorf("Chromium decoded %q images, want all %d", loaded, imgs)
	}
	if got := outcome(t, ctx, cfg, o); !slices.Equal(got, want("skipped", "skipped", "skipped", "skipped", "skipped")) {
		t.Errorf("second run should skip everything: %v", got)
	}
	o.Force = []string{"reduce"}
	if got := outcome(t, ctx, cfg, o); !slices.Equal(got, want("skipped", "skipped", "ran", "skipped", "ran")) {
		t.Errorf("--force reduce should rerun reduce and compare: %v", got)
	}
	o.Force = nil
	cfg.Compare.K = 3
	if got := outcome(t, ctx, cfg, o); !slices.Equal(got, want("skipped", "skipped", "skipped", "skipped", "ran")) {
		t.Errorf("a new compare.k should rerun compare only: %v", got)
	}
	o.Force = []string{"pretrain"}
	if got := outcome(t, ctx, cfg, o); !slices.Equal(got, want("ran", "ran", "ran", "ran", "ran")) {
		t.Errorf("--force pretrain should rerun everything: %v", got)
	}
	o.Force = []string{"nope"}
	if _, err := Run(ctx, cfg, o); err == nil || !strings.Contains(err.Error(), "pretrain") {
		t.Errorf("--force of an unknown stage: %v", err)
	}
}

// TestStagesComeAfterTheirNeeds: the list runs each stage after the stages
// whose outputs it reads.
func TestStagesComeAfterTheirNeeds(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Stages {
		for _, n := range s.Needs() {
			if !seen[n] {
				t.Errorf("%s needs %s, which runs later or not at all", s.Name(), n)
			}
		}
		seen[s.Name()] = true
	}
}

// TestInterruptedPipelineResumes interrupts pretraining in its second
// epoch and finetune inside its second classifier, resumes, and checks
// every result equals an uninterrupted run's.
func TestInterruptedPipelineResumes(t *testing.T) {
	cfg, splits := tiny(t)
	o := Options{Env: stage.Env{Splits: splits}}
	outcome(t, context.Background(), cfg, o)

	b := *cfg
	b.OutputDir = t.TempDir()
	// interrupt cancels the run after the at-th step of loop in this session.
	interrupt := func(loop string, at int) ([]Result, error) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		steps := 0
		return Run(hooks.With(ctx, &hooks.Hooks{Step: func(l string, _ int) {
			if l == loop {
				if steps++; steps == at {
					cancel()
				}
			}
		}}), &b, o)
	}
	// 256 images in batches of 64: 4 steps an epoch; step 6 is in epoch 2.
	if _, err := interrupt("pretrain", 6); !errors.Is(err, engine.ErrInterrupted) {
		t.Fatalf("interrupting pretraining: %v", err)
	}
	if _, err := os.Stat(layout.At(b.OutputDir).Done("pretrain")); !os.IsNotExist(err) {
		t.Error("an interrupted stage left a .done record")
	}
	// 40 labelled images (4 per class, one held out): 1 step an epoch, 3
	// epochs a classifier; step 5 is in the second.
	rs, err := interrupt("finetune", 5)
	if !errors.Is(err, engine.ErrInterrupted) {
		t.Fatalf("interrupting finetune: %v", err)
	}
	if len(rs) != 1 || rs[0].Stage != "pretrain" || rs[0].Skipped {
		t.Errorf("the second session should finish pretraining, then stop in finetune: %+v", rs)
	}
	if got := outcome(t, context.Background(), &b, o); !slices.Equal(got, want("skipped", "ran", "ran", "ran", "ran")) {
		t.Errorf("third session: %v", got)
	}

	ra, rb := layout.At(cfg.OutputDir), layout.At(b.OutputDir)
	pa, err := results.ReadPretraining(ra)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := results.ReadPretraining(rb)
	if err != nil {
		t.Fatal(err)
	}
	if pa.TestMSE != pb.TestMSE || pa.FinalTrain != pb.FinalTrain || pa.FinalVal != pb.FinalVal || pa.Epochs != 2 {
		t.Errorf("pretraining: uninterrupted %+v\nresumed %+v", pa, pb)
	}
	fa, err := results.ReadTransfer(ra)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := results.ReadTransfer(rb)
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.Runs) != 2 || len(fb.Runs) != 2 {
		t.Fatalf("finetune runs: %d and %d, want 2", len(fa.Runs), len(fb.Runs))
	}
	for i := range fa.Runs {
		x, y := fa.Runs[i], fb.Runs[i]
		x.Seconds, y.Seconds = 0, 0
		if !reflect.DeepEqual(x, y) {
			t.Errorf("classifier %d: uninterrupted %+v\nresumed %+v", i, x, y)
		}
	}
	ca, err := results.ReadComparison(ra)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := results.ReadComparison(rb)
	if err != nil {
		t.Fatal(err)
	}
	if len(ca.KNN) != 4 || len(cb.KNN) != 4 {
		t.Fatalf("kNN results: %d and %d, want 4", len(ca.KNN), len(cb.KNN))
	}
	for i := range ca.KNN {
		x, y := ca.KNN[i], cb.KNN[i]
		if x.Accuracy != y.Accuracy || !reflect.DeepEqual(x.Confusion, y.Confusion) || !slices.Equal(x.Predictions, y.Predictions) {
			t.Errorf("kNN %s: %v uninterrupted, %v resumed", x.Representation, x.Accuracy, y.Accuracy)
		}
	}
	red, err := results.ReadReduction(ra)
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range red.Representations {
		for _, split := range []layout.Split{layout.TrainSplit, layout.TestSplit} {
			ea, err := os.ReadFile(ra.Codes(split, rep.Name))
			if err != nil {
				t.Fatal(err)
			}
			eb, err := os.ReadFile(rb.Codes(split, rep.Name))
			if err != nil {
				t.Fatal(err)
			}
			if len(ea) == 0 || !slices.Equal(ea, eb) {
				t.Errorf("%s %s codes differ between the uninterrupted and the resumed run", split, rep.Name)
			}
		}
	}
}

// TestFailingStageStops: a stage that fails stops the pipeline with its
// error, records nothing for it and runs nothing after it.
func TestFailingStageStops(t *testing.T) {
	cfg, splits := tiny(t)
	cfg.Finetune.LabelsPerClass = []config.LabelCount{50} // the 256 tiny images hold fewer per class
	rs, err := Run(context.Background(), cfg, Options{Env: stage.Env{Splits: splits}})
	if err == nil || !strings.Contains(err.Error(), "finetune") || !strings.Contains(err.Error(), "labels_per_class") {
		t.Fatalf("err = %v, want finetune's labels_per_class error", err)
	}
	if len(rs) != 1 || rs[0].Stage != "pretrain" {
		t.Errorf("results %+v, want pretrain only", rs)
	}
	if _, err := os.Stat(layout.At(cfg.OutputDir).Done("finetune")); !os.IsNotExist(err) {
		t.Error("the failed stage has a .done record")
	}
}

// vaeAgainst is the tiny experiment as a VAE whose generation compares an
// autoencoder experiment at path.
func vaeAgainst(t *testing.T, path string) *config.Config {
	cfg := testutil.TinyConfig(t)
	cfg.Pretrain.Model, cfg.Model.Code = "vae", 2
	cfg.Generate.Autoencoder = path
	return cfg
}

// TestMissingInputStopsBeforeFirstStage: a VAE experiment whose
// generate.autoencoder is missing, or holds no checkpoint, stops before
// the first stage: no data loaded (nothing logged), no pretrain folder,
// and an error naming the stage, the key, the path and what to do.
func TestMissingInputStopsBeforeFirstStage(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(t.TempDir(), "quickstart"), "does not exist"},
		{empty, "holds no hourglass checkpoint"},
	} {
		cfg := vaeAgainst(t, tc.path)
		var log strings.Builder
		rs, err := Run(context.Background(), cfg, Options{Env: stage.Env{Log: &log}})
		want := "generate: generate.autoencoder: " + tc.path + " " + tc.want
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "hourglass run configs/quickstart.yaml") {
			t.Errorf("%s: err = %v, want one containing %q and the command that makes it", tc.path, err, want)
		}
		if len(rs) != 0 || log.Len() != 0 {
			t.Errorf("%s: stages %+v ran and logged %q before the check", tc.path, rs, log.String())
		}
		if _, err := os.Stat(layout.At(cfg.OutputDir).StageDir(layout.Pretrain)); !os.IsNotExist(err) {
			t.Errorf("%s: the pretrain folder exists (%v): pretraining started", tc.path, err)
		}
	}
}

// TestSkippedStageNeedsNoInputs: a generate stage that is up to date is
// skipped and reads nothing, so its missing autoencoder stops nothing;
// forcing it stops the run before any stage, naming the key.
func TestSkippedStageNeedsNoInputs(t *testing.T) {
	cfg := vaeAgainst(t, filepath.Join(t.TempDir(), "gone"))
	// The records a finished run leaves, as Run writes them.
	run, records := layout.At(cfg.OutputDir), map[string]string{}
	for _, s := range Stages {
		fp, err := fingerprint(s, cfg, records)
		if err != nil {
			t.Fatal(err)
		}
		rec := Record{Stage: s.Name(), Fingerprint: fp, Finished: "2026-01-02T03:04:05Z"}
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(run.StageDir(s.Name()), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(run.Done(s.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		records[s.Name()] = rec.Fingerprint + rec.Finished
	}
	splits := testutil.TinySplits(t, 64, 16, 16)
	if got := outcome(t, context.Background(), cfg, Options{Env: stage.Env{Splits: splits}}); !slices.Equal(got, want("skipped", "skipped", "skipped", "skipped", "skipped")) {
		t.Fatalf("up-to-date run: %v", got)
	}
	rs, err := Run(context.Background(), cfg, Options{Force: []string{"generate"}, Env: stage.Env{Splits: splits}})
	if err == nil || !strings.Contains(err.Error(), "generate.autoencoder: "+cfg.Generate.Autoencoder+" does not exist") || len(rs) != 0 {
		t.Errorf("--force generate: %v after %+v, want the missing autoencoder before any stage", err, rs)
	}
	if _, err := os.Stat(run.Done("generate")); err != nil {
		t.Errorf("generate's record went before the check: %v", err)
	}
}
