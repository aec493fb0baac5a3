package results

// EpochMetrics is one row of pretrain/metrics.csv. For the VAE the losses
// are the negative ELBO in nats per image (the training loss with the KL
// weight of the epoch's last step), with the validation loss's two parts.
type EpochMetrics struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	ValLoss      float64 `json:"val_loss"`
	Seconds      float64 `json:"seconds"`
	LearningRate float64 `json:"learning_rate"`
	ValRecon     float64 `json:"val_reconstruction,omitempty"`
	ValKL        float64 `json:"val_kl,omitempty"`
	KLWeight     float64 `json:"kl_weight,omitempty"`
}

// MetricsColumns are metrics.csv's header.
var MetricsColumns = []string{"epoch", "train_loss", "val_loss", "seconds", "learning_rate", "val_reconstruction", "val_kl", "kl_weight"}

// Pretraining is pretrain/summary.json: what a run achieved.
type Pretraining struct {
	Epochs       int     `json:"epochs"`
	FinalTrain   float64 `json:"final_train_loss"`
	FinalVal     float64 `json:"final_val_loss"`
	BestVal      float64 `json:"best_val_loss"`
	BestEpoch    int     `json:"best_epoch"`
	TestMSE      float64 `json:"test_mse"`
	StoppedEarly bool    `json:"stopped_early"`
	WallSeconds  float64 `json:"wall_seconds"`
	Parameters   int     `json:"parameters"`
	Backend      string  `json:"backend"`
	InitSeed     int64   `json:"init_seed"`
	// TrainImages are the labelled training images pretraining used (never
	// their labels), UnlabelledImages data.unlabelled's pool beside them.
	TrainImages      int     `json:"train_images"`
	UnlabelledImages int     `json:"unlabelled_images"`
	ValImages        int     `json:"validation_images"`
	TestImages       int     `json:"test_images"`
	BatchSize        int     `json:"batch_size"`
	LearningRate     float64 `json:"learning_rate"`
	Schedule         string  `json:"schedule"`
	CheckpointDir    string  `json:"checkpoint"`
	// Model is "ae" or "vae"; for the VAE, TestMSE is the per-pixel squared
	// error of the images decoded from the posterior means, and TestLoss
	// the negative ELBO in nats per image (one posterior sample each) with
	// its two parts.
	Model     string  `json:"model"`
	Latent    int     `json:"latent,omitempty"`
	TestLoss  float64 `json:"test_loss"`
	TestRecon float64 `json:"test_reconstruction,omitempty"`
	TestKL    float64 `json:"test_kl,omitempty"`
	// From is pretrain.from: where the weights training started from came
	// from (empty: drawn at random), and FromEpochs the epochs that model
	// was trained there (0 where its checkpoint does not say).
	From       string `json:"from,omitempty"`
	FromEpochs int    `json:"from_epochs,omitempty"`
	// FromData is the data that model was trained on, as its folder's
	// config.yaml says ("fashion-mnist, classes T-shirt/top, Trouser").
	FromData string `json:"from_data,omitempty"`
}
