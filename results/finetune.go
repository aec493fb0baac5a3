package results

import (
	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
)

// Confusion is a confusion matrix, [true class][predicted class].
type Confusion [data.Classes][data.Classes]int

// TransferRun is one trained classifier: a row of finetune/results.csv.
type TransferRun struct {
	Method         config.Method     `json:"method"`
	LabelsPerClass config.LabelCount `json:"labels_per_class"` // 0: all
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

// TransferRow is one method at one label count: mean and spread over seeds.
type TransferRow struct {
	Method         config.Method     `json:"method"`
	LabelsPerClass config.LabelCount `json:"labels_per_class"`
	Runs           int               `json:"runs"`
	MeanAccuracy   float64           `json:"mean_accuracy"`
	StdAccuracy    float64           `json:"std_accuracy"`
	MeanMacroF1    float64           `json:"mean_macro_f1"`
}

// Transfer is finetune/results.json.
type Transfer struct {
	Checkpoint string        `json:"checkpoint"`
	Settings   any           `json:"settings"` // what a resumed run must match
	Runs       []TransferRun `json:"runs"`
	Summary    []TransferRow `json:"summary"`
}
