package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/compare"
	"github.com/hourglass-ml/hourglass/internal/testutil"
	"github.com/hourglass-ml/hourglass/pretrain"
)

func skipped(rs []StageResult) map[string]bool {
	m := map[string]bool{}
	for _, r := range rs {
		m[r.Stage] = r.Skipped
	}
	return m
}

// TestRunSkipsAndResumes: a first run does every stage; a second skips
// them all; forcing reduce reruns reduce and compare; changing compare.k
// reruns compare only; an interrupted pretrain resumes.
func TestRunSkipsAndResumes(t *testing.T) {
	splits := testutil.TinySplits(t, 256, 64, 80)
	cfg := testutil.TinyConfig(t)
	cfg.Finetune.LabelsPerClass, cfg.Finetune.Seeds, cfg.Finetune.Epochs = []int{5}, 1, 2
	cfg.Finetune.Methods = []string{"frozen", "scratch"}
	ctx := context.Background()
	rs, err := Run(ctx, cfg, Options{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if s := skipped(rs); s["pretrain"] || s["finetune"] || s["reduce"] || s["compare"] || len(s) != 4 {
		t.Fatalf("first run: %+v", rs)
	}
	if _, err := os.Stat(filepath.Join(cfg.OutputDir, compare.ReportHTML)); err != nil {
		t.Fatal(err)
	}
	rs, _ = Run(ctx, cfg, Options{Splits: splits})
	if s := skipped(rs); !s["pretrain"] || !s["finetune"] || !s["reduce"] || !s["compare"] {
		t.Errorf("second run should skip everything: %+v", rs)
	}
	rs, _ = Run(ctx, cfg, Options{Splits: splits, Force: []string{"reduce"}})
	if s := skipped(rs); !s["pretrain"] || !s["finetune"] || s["reduce"] || s["compare"] {
		t.Errorf("--force reduce should rerun reduce and compare: %+v", rs)
	}
	cfg.Compare.K = 3
	rs, _ = Run(ctx, cfg, Options{Splits: splits})
	if s := skipped(rs); !s["pretrain"] || !s["finetune"] || !s["reduce"] || s["compare"] {
		t.Errorf("a new compare.k should rerun compare only: %+v", rs)
	}
	md, _ := os.ReadFile(filepath.Join(cfg.OutputDir, compare.ReportMarkdown))
	if !strings.Contains(string(md), "## Transfer learning") {
		t.Error("the report lacks the transfer-learning section although finetune ran")
	}
	if _, err := Run(ctx, cfg, Options{Splits: splits, Force: []string{"nope"}}); err == nil {
		t.Error("--force of an unknown stage: no error")
	}
}

func TestInterruptedPretrainResumes(t *testing.T) {
	splits := testutil.TinySplits(t, 256, 64, 80)
	cfg := testutil.TinyConfig(t)
	cfg.Pretrain.Epochs = 2
	cfg.Finetune.LabelsPerClass, cfg.Finetune.Seeds, cfg.Finetune.Epochs = []int{5}, 1, 2
	cfg.Finetune.Methods = []string{"frozen"}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // interrupted before the first step
	if _, err := Run(ctx, cfg, Options{Splits: splits}); !errors.Is(err, pretrain.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.OutputDir, "pretrain", ".done")); !os.IsNotExist(err) {
		t.Error("an interrupted stage left a .done record")
	}
	rs, err := Run(context.Background(), cfg, Options{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if s := skipped(rs); s["pretrain"] {
		t.Errorf("after an interruption pretrain must run: %+v", rs)
	}
}
