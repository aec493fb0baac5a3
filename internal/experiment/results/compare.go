package results

import (
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// KNN is what one representation scored.
type KNN struct {
	Rep
	Representation string  `json:"representation"` // Rep.Name()
	Engine         string  `json:"engine"`         // "exact" or "golearn"
	Weights        string  `json:"weights"`        // "uniform" or "distance"
	K              int     `json:"k"`
	Queries        int     `json:"queries"`
	Neighbours     int     `json:"neighbours"`
	Accuracy       float64 `json:"accuracy"`
	// TiedVotes counts the queries whose vote tied (exact engine: broken
	// towards the smallest label).
	TiedVotes int `json:"tied_votes"`
	// Curve is accuracy against k (exact engine).
	Curve []KPoint `json:"k_curve,omitempty"`
	// From golearn's evaluation package, per class: recall is the per-class
	// accuracy.
	PerClass  []float64 `json:"per_class_accuracy"`
	Precision []float64 `json:"per_class_precision"`
	F1        []float64 `json:"per_class_f1"`
	MacroF1   float64   `json:"macro_f1"`
	Confusion Confusion `json:"confusion"`
	Seconds   float64   `json:"seconds"` // the search and the votes
	// Check is golearn's KNNClassifier on a sample of the queries.
	Check *GolearnCheck `json:"golearn_check,omitempty"`
	// Predictions per query, for paired tests in the report.
	Predictions []int `json:"predictions,omitempty"`
}

// KPoint is the accuracy with K neighbours.
type KPoint struct {
	K        int     `json:"k"`
	Accuracy float64 `json:"accuracy"`
}

// GolearnCheck is how golearn's own KNNClassifier (uniform votes, k
// neighbours) classified a sample of queries, against the exact engine.
type GolearnCheck struct {
	Queries int `json:"queries"`
	Agree   int `json:"agree"`
	// TiedVote: golearn differs where the vote tied, which golearn breaks
	// at random (Go map order).
	TiedVote int `json:"tied_vote"`
	// TiedDistance: golearn differs where the k-th and the next neighbour
	// are at the same distance (to float64 rounding), so golearn, which
	// sorts with another rounding, may have taken the other.
	TiedDistance int `json:"tied_distance"`
	// Unexplained disagreements are errors: they are listed in Problems.
	Unexplained int      `json:"unexplained"`
	Problems    []string `json:"problems,omitempty"`
	Seconds     float64  `json:"seconds"`
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
	Engine          string            `json:"engine"`
	Weights         string            `json:"weights"`
	Versions        map[string]string `json:"versions"`
	TrainImages     int               `json:"train_images"`
	TestImages      int               `json:"test_images"`
	Queries         int               `json:"queries"`
	TestSubset      int               `json:"test_subset"`
	K               int               `json:"k"`
	Data            *DataInfo         `json:"data,omitempty"`
	Pretrain        *Pretraining      `json:"pretrain,omitempty"`
	PretrainHistory []EpochMetrics    `json:"pretrain_history,omitempty"`
	Reduce          *Reduction        `json:"reduce"`
	KNN             []KNN             `json:"knn"`
	Finetune        *Transfer         `json:"finetune,omitempty"`
	Generation      *Generation       `json:"generation,omitempty"`
	// KNNTests are McNemar's exact tests between representations on the
	// same queries: each against raw pixels and against the most accurate.
	KNNTests []PairedTest `json:"knn_tests"`
	// Maps are the t-SNE maps of the test codes drawn for the report.
	Maps []TSNEMap `json:"tsne_maps,omitempty"`
	// Headlines are the summary's short bullets, Conclusion the same
	// tests' verdicts at length.
	Headlines  []string `json:"headlines,omitempty"`
	Conclusion []string `json:"conclusion"`
}

// DataInfo is the data an experiment used: where from, its classes, and
// how many images each split holds, by class.
type DataInfo struct {
	Source     string   `json:"source"`
	Dir        string   `json:"dir"`
	Classes    []string `json:"classes"`
	Train      []int    `json:"train_per_class"`
	Validation []int    `json:"validation_per_class"`
	Test       []int    `json:"test_per_class"`
	// TestDrawn: the source had no test split; data.test_fraction of each
	// class was held out.
	TestDrawn  bool `json:"test_drawn,omitempty"`
	Unlabelled int  `json:"unlabelled_images"`
	// Shape is the images' shape, the model's input ("28x28 grey", "32x32
	// colour"); empty in results written before the model was configurable.
	Shape      string `json:"shape,omitempty"`
	Conversion string `json:"conversion"`
}

// TSNEMap says how one t-SNE map was made and what it cost.
type TSNEMap struct {
	Representation string  `json:"representation"`
	Points         int     `json:"points"` // the first test images
	Perplexity     float64 `json:"perplexity"`
	Iterations     int     `json:"iterations"`
	Seed           int64   `json:"seed"`
	KL             float64 `json:"final_kl_divergence"`
	Seconds        float64 `json:"seconds"`
}

// PairedTest is McNemar's exact test of two representations' kNN
// predictions on the same queries.
type PairedTest struct {
	A     string  `json:"a"`
	B     string  `json:"b"`
	AccA  float64 `json:"accuracy_a"`
	AccB  float64 `json:"accuracy_b"`
	OnlyA int     `json:"only_a_right"` // queries A classified right and B wrong
	OnlyB int     `json:"only_b_right"`
	P     float64 `json:"p"`
}

// Significant says whether p < 0.05.
func (t PairedTest) Significant() bool { return t.P < 0.05 }

// Test returns the test of a against b (either order, turned to a first),
// or false.
func (c *Comparison) Test(a, b string) (PairedTest, bool) {
	for _, t := range c.KNNTests {
		switch {
		case t.A == a && t.B == b:
			return t, true
		case t.A == b && t.B == a:
			return PairedTest{A: a, B: b, AccA: t.AccB, AccB: t.AccA, OnlyA: t.OnlyB, OnlyB: t.OnlyA, P: t.P}, true
		}
	}
	return PairedTest{}, false
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
