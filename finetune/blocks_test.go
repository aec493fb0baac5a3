package finetune

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"reflect"
	"testing"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// TestBlocksTransferTheLowerBlocks: with finetune.blocks [1, 2] the
// frozen method keeps the first n blocks' weights bit for bit as
// pretrained, while the blocks above n are re-initialised (unlike the
// pretrained ones) and trained (unlike each other across seeds); the
// results hold one row per method and block count, scratch once, and the
// paired differences name the blocks.
func TestBlocksTransferTheLowerBlocks(t *testing.T) {
	cfg, splits := tinyFinetune(t)
	cfg.Finetune.Blocks = []int{1, 2}
	cfg.Finetune.Methods = []config.Method{config.Frozen, config.Scratch}
	cfg.Finetune.Seeds = 2
	cfg.Finetune.Epochs = 4
	enc, err := encoder.Load(cfg.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	scopes := []string{"/encoder/conv1", "/encoder/conv2", "/encoder/conv3"}
	got := map[string][]float32{} // "frozen/b/seed/scope"
	ctx := hooks.With(context.Background(), &hooks.Hooks{Classifier: func(c hooks.Classifier) {
		for _, s := range scopes {
			got[fmt.Sprintf("%s/%d/%d%s", c.Method, c.Blocks, c.Seed, s)] = c.Weight(s, "weights")
		}
	}})
	res, err := Run(ctx, cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	seeds := []int64{cfg.Seed * 1000, cfg.Seed*1000 + 1}
	for _, b := range []int{1, 2} {
		for _, seed := range seeds {
			for i, s := range scopes {
				w := got[fmt.Sprintf("frozen/%d/%d%s", b, seed, s)]
				same := reflect.DeepEqual(w, enc.Weight(s, "weights"))
				if i < b && !same {
					t.Errorf("blocks %d, seed %d: %s changed in frozen training", b, seed, s)
				}
				if i >= b && (same || w == nil) {
					t.Errorf("blocks %d, seed %d: %s is the pretrained block, not a re-initialised one", b, seed, s)
				}
			}
		}
		top := "/encoder/conv3"
		if reflect.DeepEqual(got[fmt.Sprintf("frozen/%d/%d%s", b, seeds[0], top)], got[fmt.Sprintf("frozen/%d/%d%s", b, seeds[1], top)]) {
			t.Errorf("blocks %d: the re-initialised block is the same for both seeds", b)
		}
	}
	fh, err := os.Open(layout.At(cfg.OutputDir).BlocksPlot())
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := png.Decode(fh); err != nil {
		t.Errorf("blocks plot: %v", err)
	}
	if len(res.Runs) != 6 { // 2 seeds x (frozen/1, frozen/2, scratch)
		t.Fatalf("%d runs, want 6", len(res.Runs))
	}
	var rows []string
	for _, r := range res.Summary {
		rows = append(rows, fmt.Sprintf("%s/%d:%d", r.Method, r.Blocks, r.Runs))
	}
	if fmt.Sprint(rows) != "[frozen/1:2 frozen/2:2 scratch/0:2]" {
		t.Errorf("summary rows %v", rows)
	}
	found := false
	for _, d := range res.Differences {
		if d.A == config.Frozen && d.ABlocks == 1 && d.B == config.Frozen && d.BBlocks == 2 && d.Pairs == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("no paired difference frozen/1 - frozen/2: %+v", res.Differences)
	}
}

// TestUnfreezeAt: with finetune.unfreeze_at 2 the unfrozen method's
// encoder is bit for bit the pretrained one after epochs 1 and 2, and has
// moved after epochs 3 and 4; early stopping cannot end training before
// the encoder trains.
func TestUnfreezeAt(t *testing.T) {
	cfg, splits := tinyFinetune(t)
	cfg.Finetune.Methods = []config.Method{config.Unfrozen}
	cfg.Finetune.UnfreezeAt = 2
	cfg.Finetune.Epochs = 4
	cfg.Finetune.Patience = 1
	enc, err := encoder.Load(cfg.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	pre := enc.Weight("/encoder/conv2", "weights")
	moved := map[int]bool{}
	ctx := hooks.With(context.Background(), &hooks.Hooks{Epoch: func(c hooks.Classifier, epoch int) {
		moved[epoch] = !reflect.DeepEqual(c.Weight("/encoder/conv2", "weights"), pre)
	}})
	res, err := Run(ctx, cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	for e := 1; e <= 2; e++ {
		if moved[e] {
			t.Errorf("the encoder moved in epoch %d, before unfreeze_at", e)
		}
	}
	if len(moved) < 3 {
		t.Fatalf("training ended after %d epochs, before the encoder trained", len(moved))
	}
	for e := 3; e <= len(moved); e++ {
		if !moved[e] {
			t.Errorf("the encoder did not move in epoch %d, after unfreeze_at", e)
		}
	}
	if r := res.Runs[0]; r.TestAccuracy <= 0 || r.Epochs < 3 {
		t.Errorf("run %+v", r)
	}
}
