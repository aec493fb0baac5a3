package config

import (
	"slices"

	"github.com/hourglass-ml/hourglass/model"
)

// Config is one experiment. Each field tagged `mapstructure` is a key of the
// YAML file; nested structs are its sections. Every key is documented in
// configs/README.md.
type Config struct {
	Name      string   `mapstructure:"name" yaml:"name"`
	Seed      int64    `mapstructure:"seed" yaml:"seed"`
	Backend   string   `mapstructure:"backend" yaml:"backend"`
	OutputDir string   `mapstructure:"output_dir" yaml:"output_dir"`
	Data      Data     `mapstructure:"data" yaml:"data"`
	Model     Model    `mapstructure:"model" yaml:"model"`
	Pretrain  Pretrain `mapstructure:"pretrain" yaml:"pretrain"`
	Finetune  Finetune `mapstructure:"finetune" yaml:"finetune"`
	Reduce    Reduce   `mapstructure:"reduce" yaml:"reduce"`
	Generate  Generate `mapstructure:"generate" yaml:"generate"`
	Compare   Compare  `mapstructure:"compare" yaml:"compare"`
	// Sweep, when its grid has keys or its seeds are more than one, makes
	// the file a sweep: `hourglass sweep` runs one experiment per
	// combination of the grid's values and seed (see LoadSweep).
	Sweep Sweep `mapstructure:"sweep" yaml:"sweep"`
}

// Sweep is a grid of variants of the experiment.
type Sweep struct {
	// Grid maps dotted keys (compare.k) to the values each takes; the
	// variants are their Cartesian product.
	Grid map[string][]any `mapstructure:"grid" yaml:"grid,omitempty"`
	// Seeds repeats every variant with seeds seed, seed+1, ...
	Seeds int `mapstructure:"seeds" yaml:"seeds"`
}

// IsSweep says whether the configuration describes more than one run.
func (s Sweep) IsSweep() bool { return len(s.Grid) > 0 || s.Seeds > 1 }

// Generate configures the generation stage: pictures decoded from the
// model's latent space and the sample-quality measure.
type Generate struct {
	// Samples is how many samples the grid of samples shows.
	Samples int `mapstructure:"samples" yaml:"samples"`
	// Interpolations is how many pairs of test images the interpolations
	// picture walks between.
	Interpolations int `mapstructure:"interpolations" yaml:"interpolations"`
	// QualitySamples is how many samples the Fréchet distance is measured
	// on (in five batches, for an interval).
	QualitySamples int `mapstructure:"quality_samples" yaml:"quality_samples"`
	// ClassifierEpochs bounds the training of the classifier whose
	// features the Fréchet distance is measured in.
	ClassifierEpochs int `mapstructure:"classifier_epochs" yaml:"classifier_epochs"`
	// Autoencoder, when set, is another experiment (output folder) whose
	// plain autoencoder is compared: samples from a Gaussian fitted to its
	// training codes. An autoencoder experiment compares its own.
	Autoencoder string `mapstructure:"autoencoder" yaml:"autoencoder"`
}

// Data says where Fashion-MNIST lives and how the training split is cut.
type Data struct {
	// Source is what kind of data set: fashion-mnist (the default, found
	// by discovery, checksums pinned), idx (any MNIST-like folder of four
	// IDX files), images (a folder train/<class>/*.png, optionally
	// test/<class>/) or npy (train_images.npy, train_labels.npy,
	// optionally test_images.npy, test_labels.npy and classes.txt).
	Source string `mapstructure:"source" yaml:"source"`
	// Dir holds the data. Empty for fashion-mnist: discover it; required
	// for the other sources.
	Dir string `mapstructure:"dir" yaml:"dir"`
	// Classes, when not empty, keeps only these classes, numbered 0 to
	// K-1 in the order listed, their names kept; every split (training,
	// validation, test) holds only their images, the unlabelled pool is
	// left as it is. Each entry is a class name (any case; Fashion-MNIST's
	// short forms T-shirt and Boot too) or, when no class has that name, an
	// index into the source's classes (0 first). Names and indices are
	// checked against the data when they are opened; empty keeps every
	// class. Left out of JSON when empty, so the fingerprints and results
	// of experiments without it read as before.
	Classes []string `mapstructure:"classes" yaml:"classes" json:",omitempty"`
	// Validation is how many training images are held out for validation:
	// Fashion-MNIST's last ones, a seeded draw for other sources.
	Validation int `mapstructure:"validation" yaml:"validation"`
	// TrainSubset, when > 0, keeps only that many training images (after the
	// validation split, drawn with the experiment seed) for quick runs.
	TrainSubset int `mapstructure:"train_subset" yaml:"train_subset"`
	// TestFraction is the share of each class held out for testing when a
	// source has no test split of its own (seeded, stratified).
	TestFraction float64 `mapstructure:"test_fraction" yaml:"test_fraction"`
	// Unlabelled is a pool of images without labels (a folder, searched
	// recursively, or a .npy file) that pretraining learns from beside the
	// training images; nothing else uses it.
	Unlabelled string `mapstructure:"unlabelled" yaml:"unlabelled"`
}

// Model is the architecture, an experiment variable like any other (its
// kind is pretrain.model): see model.Spec.
type Model struct {
	// Input is the images' [height, width, channels] (1 grey, 3 colour):
	// the data are converted to it.
	Input []int `mapstructure:"input" yaml:"input"`
	// Filters has one encoder block (3x3 convolution, ReLU, 2x2 max
	// pooling) per entry: its length is the depth.
	Filters []int `mapstructure:"filters" yaml:"filters"`
	// Code is 0 for the last block's map as the code (the paper's 576
	// values; a VAE's default of 16 latent values), or the size of a dense
	// code (the VAE's latent size).
	Code int `mapstructure:"code" yaml:"code"`
}

// Spec is the model the configuration describes.
func (c *Config) Spec() model.Spec {
	s := model.Spec{Kind: c.Pretrain.Model, Filters: slices.Clone(c.Model.Filters), Code: c.Model.Code}
	copy(s.Input[:], c.Model.Input)
	return s
}

// Pretrain configures unsupervised autoencoder training.
type Pretrain struct {
	// Model is ae (the autoencoder, MSE) or vae (the same hourglass with a
	// sampled Gaussian bottleneck of model.code values, 16 when 0, trained
	// on the evidence lower bound).
	Model string `mapstructure:"model" yaml:"model"`
	// Beta weighs the VAE's KL term (1: the ELBO).
	Beta float64 `mapstructure:"beta" yaml:"beta"`
	// KLWarmup raises the KL weight linearly from 0 to Beta over this many
	// epochs (0: Beta from the start).
	KLWarmup int `mapstructure:"kl_warmup" yaml:"kl_warmup"`
	// From, when set, is another experiment's model (its output folder,
	// pretrain folder or a checkpoint folder) whose weights pretraining
	// starts from instead of random ones; Epochs more are trained on this
	// experiment's images (0: the model as it is). Empty is left out of
	// JSON, so fingerprints and settings recorded before the key existed
	// stay the same.
	From            string  `mapstructure:"from" yaml:"from" json:",omitempty"`
	Epochs          int     `mapstructure:"epochs" yaml:"epochs"`
	BatchSize       int     `mapstructure:"batch_size" yaml:"batch_size"`
	LearningRate    float64 `mapstructure:"learning_rate" yaml:"learning_rate"`
	Beta1           float64 `mapstructure:"beta1" yaml:"beta1"`
	Beta2           float64 `mapstructure:"beta2" yaml:"beta2"`
	Epsilon         float64 `mapstructure:"epsilon" yaml:"epsilon"`
	Schedule        string  `mapstructure:"schedule" yaml:"schedule"`
	Patience        int     `mapstructure:"patience" yaml:"patience"`
	Reconstructions int     `mapstructure:"reconstructions" yaml:"reconstructions"`
}

// Finetune configures transfer learning from the frozen encoder.
type Finetune struct {
	// LabelsPerClass lists the labelled-subset sizes; AllLabels (written
	// "all" in YAML) means every training label.
	LabelsPerClass []LabelCount `mapstructure:"labels_per_class" yaml:"labels_per_class"`
	Epochs         int          `mapstructure:"epochs" yaml:"epochs"`
	Head           []int        `mapstructure:"head" yaml:"head"`
	Dropout        float64      `mapstructure:"dropout" yaml:"dropout"`
	Seeds          int          `mapstructure:"seeds" yaml:"seeds"`
	LearningRate   float64      `mapstructure:"learning_rate" yaml:"learning_rate"`
	BatchSize      int          `mapstructure:"batch_size" yaml:"batch_size"`
	// Patience stops a run when validation accuracy has not improved for
	// that many epochs (the best epoch's weights are kept); 0 = off.
	Patience int `mapstructure:"patience" yaml:"patience"`
	// HeldOut is the share of each class's labelled images held out for
	// early stopping (at least one image per class).
	HeldOut float64 `mapstructure:"held_out" yaml:"held_out"`
	// Methods to compare: frozen, scratch, unfrozen.
	Methods []Method `mapstructure:"methods" yaml:"methods"`
	// EncoderStepScale is the unfrozen encoder's learning rate relative to
	// the head's.
	EncoderStepScale float64 `mapstructure:"encoder_step_scale" yaml:"encoder_step_scale"`
	// Blocks lists how many of the pretrained encoder's lower blocks the
	// frozen and unfrozen methods take (each n a run of its own): the
	// blocks above n and the dense code are re-initialised and trained
	// with the head. Empty: every block and the code, as pretrained.
	// (omitempty: experiments without the key keep their fingerprints.)
	Blocks []int `mapstructure:"blocks" yaml:"blocks,omitempty" json:"Blocks,omitempty"`
	// UnfreezeAt keeps the unfrozen method's encoder frozen for that many
	// epochs, then trains it at EncoderStepScale times the head's rate; 0
	// trains it from the start.
	UnfreezeAt int `mapstructure:"unfreeze_at" yaml:"unfreeze_at,omitempty" json:"UnfreezeAt,omitempty"`
}

// BlockCounts is the encoder blocks each transfer run takes, for a model
// of depth blocks: Blocks, or every block when Blocks is empty.
func (f Finetune) BlockCounts(depth int) []int {
	if len(f.Blocks) == 0 {
		return []int{depth}
	}
	return f.Blocks
}

// Models lists the accepted pretrain.model values.
var Models = []string{"ae", "vae"}

// Reduce configures dimensionality reduction.
type Reduce struct {
	PCADims []int `mapstructure:"pca_dims" yaml:"pca_dims"`
}

// Compare configures the kNN comparison.
type Compare struct {
	// K is the headline number of neighbours.
	K int `mapstructure:"k" yaml:"k"`
	// KCurve lists further neighbour counts for the accuracy-against-k
	// curve; one search of the largest serves them all.
	KCurve []int `mapstructure:"k_curve" yaml:"k_curve"`
	// Weights is how neighbours vote: uniform or distance (1/distance).
	Weights string `mapstructure:"weights" yaml:"weights"`
	// KNN is the engine: exact (hourglass's search) or golearn (golearn's
	// KNNClassifier for every query).
	KNN string `mapstructure:"knn" yaml:"knn"`
	// GolearnCheck is how many queries per representation golearn's
	// KNNClassifier classifies too, as a cross-check of the exact engine
	// (0: none).
	GolearnCheck int `mapstructure:"golearn_check" yaml:"golearn_check"`
	// TestSubset, when > 0, uses only the first that many test images as
	// queries.
	TestSubset int `mapstructure:"test_subset" yaml:"test_subset"`
}

// KNNEngines and KNNWeights list the accepted compare.knn and
// compare.weights.
var (
	KNNEngines = []string{"exact", "golearn"}
	KNNWeights = []string{"uniform", "distance"}
)

// Default returns the defaults of every key: the paper's protocol, one seed,
// the pure-Go backend.
func Default() Config {
	return Config{
		Name:      "experiment",
		Seed:      1,
		Backend:   "go",
		OutputDir: "runs/experiment",
		Data:      Data{Source: "fashion-mnist", Validation: 10000, TestFraction: 0.2},
		Model:     Model{Input: []int{28, 28, 1}, Filters: []int{16, 32, 64}},
		Pretrain: Pretrain{
			Model:           "ae",
			Beta:            1,
			Epochs:          100,
			BatchSize:       128,
			LearningRate:    1e-3,
			Beta1:           0.9,
			Beta2:           0.999,
			Epsilon:         1e-8,
			Schedule:        "constant",
			Reconstructions: 10,
		},
		Finetune: Finetune{
			LabelsPerClass:   []LabelCount{10, 100, 1000},
			Epochs:           30,
			Head:             []int{128},
			Dropout:          0.2,
			Seeds:            3,
			LearningRate:     1e-3,
			BatchSize:        64,
			Patience:         5,
			HeldOut:          0.2,
			Methods:          []Method{Frozen, Scratch, Unfrozen},
			EncoderStepScale: 0.1,
			Blocks:           []int{},
		},
		Reduce:   Reduce{PCADims: []int{576, 64, 16}},
		Generate: Generate{Samples: 64, Interpolations: 6, QualitySamples: 10000, ClassifierEpochs: 10},
		Compare:  Compare{K: 5, KCurve: []int{1, 3, 5, 10, 20, 50}, Weights: "uniform", KNN: "exact", GolearnCheck: 100},
		Sweep:    Sweep{Seeds: 1},
	}
}
