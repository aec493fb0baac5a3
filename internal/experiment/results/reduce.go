package results

// Representation is one written code set.
type Representation struct {
	Rep
	Name       string  `json:"name"` // Rep.Name(), for people reading the JSON
	TrainFile  string  `json:"train_file"`
	TestFile   string  `json:"test_file"`
	TestMSE    float64 `json:"test_reconstruction_mse"`
	FitSeconds float64 `json:"fit_seconds"`
	Seconds    float64 `json:"transform_seconds"`
}

// Reduction is reduce/reduce.json.
type Reduction struct {
	TrainImages     int              `json:"train_images"`
	TestImages      int              `json:"test_images"`
	TrainLabels     string           `json:"train_labels"`
	TestLabels      string           `json:"test_labels"`
	BLAS            string           `json:"blas"`
	PCAFitSeconds   float64          `json:"pca_fit_seconds"`
	ExplainedRatio  []float64        `json:"explained_variance_ratio"`
	Cumulative      []float64        `json:"cumulative_explained_variance"`
	Representations []Representation `json:"representations"`
	Checkpoint      string           `json:"autoencoder_checkpoint"`
	// Reconstruction compares the autoencoder's test reconstruction error
	// with each PCA's, paired by image.
	Reconstruction []MSEComparison `json:"reconstruction_tests,omitempty"`
}

// MSEComparison is the per-image test reconstruction MSE of A less B's,
// paired by image: its mean and 95% interval.
type MSEComparison struct {
	A      string  `json:"a"`
	B      string  `json:"b"`
	Images int     `json:"images"`
	Mean   float64 `json:"mean"`
	Low    float64 `json:"ci95_low"`
	High   float64 `json:"ci95_high"`
}

// Find returns the written representation of a kind with the most values
// (PCA may be written at several sizes), or nil.
func (r *Reduction) Find(k Kind) *Representation {
	var best *Representation
	for i := range r.Representations {
		if rep := &r.Representations[i]; rep.Kind == k && (best == nil || rep.Dim > best.Dim) {
			best = rep
		}
	}
	return best
}
