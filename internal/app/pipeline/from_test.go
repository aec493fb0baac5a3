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
