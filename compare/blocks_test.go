package compare

import (
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// blocksTransfer: frozen with 1, 2 and 3 blocks and scratch at 100 labels
// per class over 5 seeds. Against frozen/3 the first block alone falls
// short (interval below 0), the first two do not (interval across 0);
// against scratch 1 block is not distinguishable, 2 and 3 are better.
func blocksTransfer() *results.Transfer {
	rb := func(b int, mean, lo, hi float64) results.TransferRow {
		r := row(config.Frozen, 100, 5, mean, lo, hi)
		r.Blocks = b
		return r
	}
	db := func(a config.Method, ab int, b config.Method, bb int, mean, lo, hi float64) results.TransferDiff {
		d := diff(100, a, b, 5, mean, lo, hi, 0)
		d.ABlocks, d.BBlocks = ab, bb
		return d
	}
	return &results.Transfer{
		Summary: []results.TransferRow{rb(1, 0.70, 0.68, 0.72), rb(2, 0.745, 0.73, 0.76), rb(3, 0.75, 0.74, 0.76), row(config.Scratch, 100, 5, 0.69, 0.67, 0.71)},
		Differences: []results.TransferDiff{
			db(config.Frozen, 1, config.Frozen, 2, -0.045, -0.06, -0.03), db(config.Frozen, 1, config.Frozen, 3, -0.05, -0.065, -0.035),
			db(config.Frozen, 1, config.Scratch, 0, 0.01, -0.01, 0.03), db(config.Frozen, 2, config.Frozen, 3, -0.005, -0.015, 0.005),
			db(config.Frozen, 2, config.Scratch, 0, 0.055, 0.04, 0.07),
			// Stored the other way round: scratch less frozen/3.
			db(config.Scratch, 0, config.Frozen, 3, -0.06, -0.075, -0.045),
		}}
}

// TestBlocksConclusions: each sentence's verdict follows its interval
// (the figures above), in the conclusions and in the summary's bullets,
// and the method comparisons read the runs with every block as before.
func TestBlocksConclusions(t *testing.T) {
	r := &results.Comparison{KNN: []results.KNN{knnOf(results.PixelsRep(), 0.8, 1)}, Finetune: blocksTransfer()}
	long := strings.Join(conclude(r), "\n")
	short := strings.Join(headlines(r), "\n")
	for _, want := range []string{
		"With 100 labels per class, the frozen encoder with its first block falls short of its first 3 blocks: 70.00% against 75.00% (-5.00 points, 95% interval [-6.50, -3.50] over 5 seeds paired by subset).",
		"With 100 labels per class, the frozen encoder with its first 2 blocks and with its first 3 blocks are not distinguishable: 74.50% against 75.00%",
		"its first block 70.00% (+1.00 points, 95% interval [-1.00, +3.00] over 5 seeds paired by subset): not distinguishable",
		"its first 2 blocks 74.50% (+5.50 points, 95% interval [+4.00, +7.00] over 5 seeds paired by subset): better than scratch",
		"its first 3 blocks 75.00% (+6.00 points, 95% interval [+4.50, +7.50] over 5 seeds paired by subset): better than scratch",
		"With 100 labels per class, the frozen encoder beat training from scratch: 75.00% against 69.00%",
	} {
		if !strings.Contains(long, want) {
			t.Errorf("conclusions lack %q:\n%s", want, long)
		}
	}
	if want := "its first 2 blocks is the fewest not distinguishable from its first 3 blocks (-0.50 points, 95% interval [-1.50, +0.50]); " +
		"below it its first block falls short of its first 3 blocks (-5.00 points, 95% interval [-6.50, -3.50])."; !strings.Contains(short, want) {
		t.Errorf("summary lacks %q:\n%s", want, short)
	}
}

// TestFewestBlocksSkipsNoGap: where 2 blocks fall short of 3 but 1 block's
// interval is wide enough to hold 0, the summary does not name 1 block as
// the fewest that serves: a count in between falls short (the case in
// transfer-across-classes' fine-tuned encoder at 10 labels).
func TestFewestBlocksSkipsNoGap(t *testing.T) {
	f := blocksTransfer()
	for i, d := range f.Differences {
		switch {
		case d.ABlocks == 1 && d.BBlocks == 3:
			f.Differences[i].Mean, f.Differences[i].Low, f.Differences[i].High = -0.25, -0.55, 0.04
		case d.ABlocks == 2 && d.BBlocks == 3:
			f.Differences[i].Mean, f.Differences[i].Low, f.Differences[i].High = -0.08, -0.15, -0.01
		}
	}
	short := strings.Join(headlines(&results.Comparison{KNN: []results.KNN{knnOf(results.PixelsRep(), 0.8, 1)}, Finetune: f}), "\n")
	want := "its first 2 blocks fall short of its first 3 blocks (-8.00 points, 95% interval [-15.00, -1.00]), so no fewer blocks serve as well."
	if !strings.Contains(short, want) || strings.Contains(short, "its first block is the fewest") {
		t.Errorf("summary:\n%s\nwant %q and no fewest of 1 block", short, want)
	}
}

// TestPartialTopIsNotTheEncoder: with finetune.blocks [1, 2] on a
// 3-block encoder, no sentence calls frozen/2 "the frozen encoder"; the
// block counts are still compared with scratch.
func TestPartialTopIsNotTheEncoder(t *testing.T) {
	f := blocksTransfer()
	var keep []results.TransferRow
	for _, r := range f.Summary {
		if r.Blocks != 3 {
			keep = append(keep, r)
		}
	}
	var diffs []results.TransferDiff
	for _, d := range f.Differences {
		if d.ABlocks != 3 && d.BBlocks != 3 {
			diffs = append(diffs, d)
		}
	}
	cfg := config.Default() // the paper's 3 blocks
	r := &results.Comparison{Config: &cfg, KNN: []results.KNN{knnOf(results.PixelsRep(), 0.8, 1)},
		Finetune: &results.Transfer{Summary: keep, Differences: diffs}}
	text := strings.Join(append(conclude(r), headlines(r)...), "\n")
	if strings.Contains(text, "the frozen encoder beat") || strings.Contains(text, "the frozen encoder ahead") {
		t.Errorf("a partial encoder is called the frozen encoder:\n%s", text)
	}
	if !strings.Contains(text, "its first 2 blocks 74.50% (+5.50 points") {
		t.Errorf("the block counts are not compared with scratch:\n%s", text)
	}
}
