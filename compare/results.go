package compare

import (
	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/pretrain"
	"github.com/hourglass-ml/hourglass/reduce"
)

// Results is results.json: every number of the experiment.
type Results struct {
	Name            string                  `json:"name"`
	Generated       string                  `json:"generated"`
	Config          *config.Config          `json:"config"`
	Seed            int64                   `json:"seed"`
	Backend         string                  `json:"backend"`
	Cores           int                     `json:"cores"`
	BLAS            string                  `json:"blas"`
	KNNPath         string                  `json:"knn_path"`
	Versions        map[string]string       `json:"versions"`
	TrainImages     int                     `json:"train_images"`
	TestImages      int                     `json:"test_images"`
	Queries         int                     `json:"queries"`
	TestSubset      int                     `json:"test_subset"`
	K               int                     `json:"k"`
	Pretrain        *pretrain.Summary       `json:"pretrain,omitempty"`
	PretrainHistory []pretrain.EpochMetrics `json:"pretrain_history,omitempty"`
	Reduce          *reduce.Result          `json:"reduce"`
	KNN             []KNNResult             `json:"knn"`
	Finetune        *FinetuneResults        `json:"finetune,omitempty"`
	Conclusion      []string                `json:"conclusion"`

	scatter map[string]scatter // 2-D test codes per representation, for plots
}

// FinetuneResults is what the finetune stage reports, when it ran: rows of
// mean and spread per method and labels per class.
type FinetuneResults struct {
	Rows []FinetuneRow `json:"rows"`
	Plot string        `json:"plot,omitempty"` // label-efficiency plot, relative to output_dir
}

// FinetuneRow is one method at one label count.
type FinetuneRow struct {
	Method         string  `json:"method"`
	LabelsPerClass int     `json:"labels_per_class"`
	Runs           int     `json:"runs"`
	MeanAccuracy   float64 `json:"mean_accuracy"`
	StdAccuracy    float64 `json:"std_accuracy"`
}

type scatter struct {
	x, y   []float64
	labels []int
}

// knn returns the result for a representation, or nil.
func (r *Results) knn(name string) *KNNResult {
	for i := range r.KNN {
		if r.KNN[i].Representation == name {
			return &r.KNN[i]
		}
	}
	return nil
}
