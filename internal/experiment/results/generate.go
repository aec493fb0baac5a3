package results

// Generation is generate/generate.json: how well each generative model's
// samples match the test images, measured as a Fréchet distance in the
// features of a classifier hourglass trains (never called FID: the
// features are not Inception's), with the floor that real training images
// reach against the test images.
type Generation struct {
	Classifier FeatureClassifier `json:"classifier"`
	// Floor is the distance of real training images from the test images.
	Floor  Distance          `json:"floor"`
	Models []GenerativeModel `json:"models"`
	// Difference compares the first two models' distances (VAE less
	// autoencoder), batch by batch.
	Difference *DistanceDifference `json:"difference,omitempty"`
}

// FeatureClassifier is the classifier whose penultimate layer gives the
// features.
type FeatureClassifier struct {
	Features     int     `json:"features"`
	Epochs       int     `json:"epochs"`
	TestAccuracy float64 `json:"test_accuracy"`
	TrainImages  int     `json:"train_images"`
	Seconds      float64 `json:"seconds"`
}

// Distance is a Fréchet distance in classifier features of a set of
// images from the test images: over all of them, and per batch (five
// equal batches, for an interval).
type Distance struct {
	Images  int       `json:"images"`
	All     float64   `json:"all"`
	Batches []float64 `json:"batches"`
}

// GenerativeModel is one model's samples and, for a VAE, its bound.
type GenerativeModel struct {
	// Name is "vae" or "autoencoder"; How says how samples were drawn.
	Name    string   `json:"name"`
	How     string   `json:"how"`
	Source  string   `json:"source"` // the checkpoint
	Latent  int      `json:"latent"`
	Quality Distance `json:"quality"`
	// The VAE's test negative ELBO in nats per image (one posterior sample
	// per image, seeded), its parts, and how many latent dimensions are
	// active (variance of the posterior mean over the test set > 0.01).
	TestNegELBO float64 `json:"test_negative_elbo,omitempty"`
	TestRecon   float64 `json:"test_reconstruction,omitempty"`
	TestKL      float64 `json:"test_kl,omitempty"`
	ActiveUnits int     `json:"active_units,omitempty"`
	// TestMSE is the per-pixel squared error of the test images decoded
	// from their codes (a VAE's posterior means).
	TestMSE float64 `json:"test_mse"`
	// Reconstructions is the distance of those decoded test images from
	// the test images: how close the decoder's output gets when its input
	// is a real image's code, a bound on what its samples can reach.
	Reconstructions Distance `json:"reconstructions"`
	// Independent, for the autoencoder, is the distance of samples drawn
	// with each code value independent (the fitted Gaussian's diagonal
	// only): how much the samples owe to the full covariance.
	Independent *Distance `json:"independent_dims,omitempty"`
}

// DistanceDifference is model A's per-batch distance less model B's: the
// mean and its 95% interval (Welch).
type DistanceDifference struct {
	A    string  `json:"a"`
	B    string  `json:"b"`
	Mean float64 `json:"mean"`
	Low  float64 `json:"ci95_low"`
	High float64 `json:"ci95_high"`
}
