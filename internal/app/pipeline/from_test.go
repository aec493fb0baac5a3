package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
	"github.com/hourglass-ml/hourglass/pretrain"
)

// TestMissingPretrainFromStopsBeforeFirstStage: an experiment whose
// pretrain.from is missing or holds no model stops before any stage: no
// data loaded (nothing logged), no pretrain folder, and an error naming
// the stage, the key and the path.
func TestMissingPretrainFromStopsBeforeFirstStage(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(t.TempDir(), "quickstart"), "does not exist"},
		{empty, "holds no model"},
	} {
		cfg := testutil.TinyConfig(t)
		cfg.Pretrain.From = tc.path
		var log strings.Builder
		rs, err := Run(context.Background(), cfg, Options{Env: stage.Env{Log: &log}})
		want := "pretrain: pretrain.from: " + tc.path + " " + tc.want
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.path, err, want)
		}
		if len(rs) != 0 || log.Len() != 0 {
			t.Errorf("%s: stages %+v ran and logged %q before the check", tc.path, rs, log.String())
		}
		if _, err := os.Stat(layout.At(cfg.OutputDir).StageDir(layout.Pretrain)); !os.IsNotExist(err) {
			t.Errorf("%s: the pretrain folder exists (%v): pretraining started", tc.path, err)
		}
	}
}

// TestSweepMissingSourceStopsBeforeFirstRun: a sweep over pretrain.from
// whose second source is missing stops before its first run: no run's
// folder is made, and the error names the run, the stage and the path.
func TestSweepMissingSourceStopsBeforeFirstRun(t *testing.T) {
	src, splits := tiny(t)
	if _, err := pretrain.Run(context.Background(), src, stage.Env{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	plan, _ := tinySweep(t, map[string][]any{"pretrain.from": {src.OutputDir, missing}}, 1)
	var log strings.Builder
	_, err := Sweep(context.Background(), plan, SweepOptions{Only: -1, Env: stage.Env{Splits: splits, Log: &log}})
	if err == nil || !strings.Contains(err.Error(), "sweep run 1") || !strings.Contains(err.Error(), "pretrain: pretrain.from: "+missing+" does not exist") {
		t.Fatalf("err = %v, want one naming run 1, pretrain and %s", err, missing)
	}
	for _, r := range plan.Runs {
		if _, err := os.Stat(r.Config.OutputDir); !os.IsNotExist(err) {
			t.Errorf("run %s's folder exists (%v): a run started", r.Name, err)
		}
	}
}

// TestSweepMissingPoolStopsBeforeFirstRun: a sweep over data.unlabelled
// whose last pool is missing stops before its first run, naming the run,
// the key and the path.
func TestSweepMissingPoolStopsBeforeFirstRun(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "pool.npy")
	plan, splits := tinySweep(t, map[string][]any{"data.unlabelled": {"", missing}}, 1)
	_, err := Sweep(context.Background(), plan, SweepOptions{Only: -1, Env: stage.Env{Splits: splits}})
	if err == nil || !strings.Contains(err.Error(), "sweep run 1") || !strings.Contains(err.Error(), "data.unlabelled "+missing+" does not exist") {
		t.Fatalf("err = %v, want one naming run 1, data.unlabelled and %s", err, missing)
	}
	for _, r := range plan.Runs {
		if _, err := os.Stat(r.Config.OutputDir); !os.IsNotExist(err) {
			t.Errorf("run %s's folder exists (%v): a run started", r.Name, err)
		}
	}
}
