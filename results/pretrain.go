package results

// EpochMetrics is one row of pretrain/metrics.csv.
type EpochMetrics struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	ValLoss      float64 `json:"val_loss"`
	Seconds      float64 `json:"seconds"`
	LearningRate float64 `json:"learning_rate"`
}

// MetricsColumns are metrics.csv's header.
var MetricsColumns = []string{"epoch", "train_loss", "val_loss", "seconds", "learning_rate"}

// Pretraining is pretrain/summary.json: what a run achieved.
type Pretraining struct {
	Epochs        int     `json:"epochs"`
	FinalTrain    float64 `json:"final_train_loss"`
	FinalVal      float64 `json:"final_val_loss"`
	BestVal       float64 `json:"best_val_loss"`
	BestEpoch     int     `json:"best_epoch"`
	TestMSE       float64 `json:"test_mse"`
	StoppedEarly  bool    `json:"stopped_early"`
	WallSeconds   float64 `json:"wall_seconds"`
	Parameters    int     `json:"parameters"`
	Backend       string  `json:"backend"`
	InitSeed      int64   `json:"init_seed"`
	TrainImages   int     `json:"train_images"`
	ValImages     int     `json:"validation_images"`
	TestImages    int     `json:"test_images"`
	BatchSize     int     `json:"batch_size"`
	LearningRate  float64 `json:"learning_rate"`
	Schedule      string  `json:"schedule"`
	CheckpointDir string  `json:"checkpoint"`
}
