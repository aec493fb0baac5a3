package results

import (
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// Confusion is a confusion matrix, [true class][predicted class].
type Confusion [][]int

// NewConfusion is a k x k matrix of zeros.
func NewConfusion(k int) Confusion {
	c := make(Confusion, k)
	for i := range c {
		c[i] = make([]int, k)
	}
	return c
}

// TransferRun is one trained classifier: a row of finetune/results.csv.
type TransferRun struct {
	Method config.Method `json:"method"`
	// Blocks is how many of the pretrained encoder's blocks the run took
	// (finetune.blocks); 0 when the key is not set (every block) and for
	// scratch.
	Blocks         int               `json:"blocks,omitempty"`
	LabelsPerClass config.LabelCount `json:"labels_per_class"` // 0 in JSON: all (config.AllLabels)
	Seed           int64             `json:"seed"`
	TrainImages    int               `json:"train_images"`
	HeldOutImages  int               `json:"held_out_images"`
	TestAccuracy   float64           `json:"test_accuracy"`
	MacroF1        float64           `json:"macro_f1"`
	Epochs         int               `json:"epochs"`
	BestEpoch      int               `json:"best_epoch"`
	HeldOutAcc     float64           `json:"held_out_accuracy"`
	Seconds        float64           `json:"seconds"`
	Confusion      Confusion         `json:"confusion"`
}

// TransferRow is one method at one label count: mean, spread and the 95%
// interval of the mean over seeds (Student's t; unbounded for one run).
type TransferRow struct {
	Method         config.Method     `json:"method"`
	Blocks         int               `json:"blocks,omitempty"` // as TransferRun's
	LabelsPerClass config.LabelCount `json:"labels_per_class"`
	Runs           int               `json:"runs"`
	MeanAccuracy   float64           `json:"mean_accuracy"`
	StdAccuracy    float64           `json:"std_accuracy"`
	Low            float64           `json:"ci95_low"`
	High           float64           `json:"ci95_high"`
	MeanMacroF1    float64           `json:"mean_macro_f1"`
}

// TransferDiff is method A's test accuracy less method B's at one label
// count, paired by seed (the same subset and head initialisation), with
// the 95% interval of the mean difference.
type TransferDiff struct {
	LabelsPerClass config.LabelCount `json:"labels_per_class"`
	A              config.Method     `json:"a"`
	ABlocks        int               `json:"a_blocks,omitempty"` // as TransferRun's Blocks
	B              config.Method     `json:"b"`
	BBlocks        int               `json:"b_blocks,omitempty"`
	Pairs          int               `json:"pairs"`
	Mean           float64           `json:"mean"`
	SD             float64           `json:"sd"`
	Low            float64           `json:"ci95_low"`
	High           float64           `json:"ci95_high"`
	// SeedsNeeded is how many paired seeds would make the interval exclude
	// zero at the observed mean and spread (0: none up to 1,000, or no
	// difference at all); set only when it does not yet.
	SeedsNeeded int `json:"seeds_needed,omitempty"`
}

// Significant says whether the interval excludes zero.
func (d TransferDiff) Significant() bool { return d.Pairs > 1 && (d.Low > 0 || d.High < 0) }

// Transfer is finetune/results.json.
type Transfer struct {
	Checkpoint  string         `json:"checkpoint"`
	Settings    any            `json:"settings"` // what a resumed run must match
	Runs        []TransferRun  `json:"runs"`
	Summary     []TransferRow  `json:"summary"`
	Differences []TransferDiff `json:"differences"`
}
