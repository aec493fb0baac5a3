package results

import (
	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
)

// KNN is what one representation scored.
type KNN struct {
	Rep
	Representation string                `json:"representation"` // Rep.Name()
	K              int                   `json:"k"`
	Queries        int                   `json:"queries"`
	Neighbours     int                   `json:"neighbours"`
	Accuracy       float64               `json:"accuracy"`
	PerClass       [data.Classes]float64 `json:"per_class_accuracy"`
	Confusion      Confusion             `json:"confusion"`
	Seconds        float64               `json:"seconds"`
}

// Comparison is results.json: every number of the experiment, what the
// report is drawn from.
type Comparison struct {
	Name            string            `json:"name"`
	Generated       string            `json:"generated"`
	Config          *config.Config    `json:"config"`
	Seed            int64             `json:"seed"`
	Backend         string            `json:"backend"`
	Cores           int               `json:"cores"`
	BLAS            string            `json:"blas"`
	KNNPath         string            `json:"knn_path"`
	Versions        map[string]string `json:"versions"`
	TrainImages     int               `json:"train_images"`
	TestImages      int               `json:"test_images"`
	Queries         int               `json:"queries"`
	TestSubset      int               `json:"test_subset"`
	K               int               `json:"k"`
	Pretrain        *Pretraining      `json:"pretrain,omitempty"`
	PretrainHistory []EpochMetrics    `json:"pretrain_history,omitempty"`
	Reduce          *Reduction        `json:"reduce"`
	KNN             []KNN             `json:"knn"`
	Finetune        *Transfer         `json:"finetune,omitempty"`
	Conclusion      []string          `json:"conclusion"`
}

// Find returns the kNN result of a representation, or nil.
func (c *Comparison) Find(r Rep) *KNN {
	for i := range c.KNN {
		if c.KNN[i].Rep == r {
			return &c.KNN[i]
		}
	}
	return nil
}
