package reduce

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/fastblas"
	"github.com/hourglass-ml/hourglass/internal/outdir"
	"github.com/hourglass-ml/hourglass/pretrain"
)

// Options drive a reduce run beside its configuration.
type Options struct {
	Log       io.Writer
	Splits    *data.Splits // instead of loading the data (tests)
	LookupEnv func(string) (string, bool)
}

// Representation is one written code set.
type Representation struct {
	Name       string  `json:"name"`
	Dim        int     `json:"dim"`
	TrainFile  string  `json:"train_file"`
	TestFile   string  `json:"test_file"`
	TestMSE    float64 `json:"test_reconstruction_mse"`
	FitSeconds float64 `json:"fit_seconds"`
	Seconds    float64 `json:"transform_seconds"`
}

// Result is reduce.json.
type Result struct {
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
}

// Dir is the stage's output folder.
func Dir(cfg *config.Config) string { return filepath.Join(cfg.OutputDir, "reduce") }

// Run fits PCA on the training images (one fit, with the largest of
// reduce.pca_dims components; smaller sizes are its leading columns),
// encodes with the pretrained autoencoder, and writes codes, labels, the
// explained-variance plot and reduce.json into <output_dir>/reduce.
func Run(ctx context.Context, cfg *config.Config, o Options) (*Result, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	dir := Dir(cfg)
	ckpt, err := pretrainedCheckpoint(cfg)
	if err != nil {
		return nil, err
	}
	lock, err := outdir.Open(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	splits, err := data.Use(o.Splits, cfg.Data, cfg.Seed, o.LookupEnv)
	if err != nil {
		return nil, err
	}
	if err := cfg.Save(filepath.Join(dir, "config.yaml")); err != nil {
		return nil, err
	}
	train := splits.Neighbours(cfg.Data)
	xTrain, xTest := Matrix(train), Matrix(splits.Test)
	res := &Result{TrainImages: train.Len(), TestImages: splits.Test.Len(), BLAS: fastblas.Name,
		TrainLabels: "train_labels.npy", TestLabels: "test_labels.npy", Checkpoint: ckpt}
	if err := WriteLabels(filepath.Join(dir, res.TrainLabels), train.Labels); err != nil {
		return nil, err
	}
	if err := WriteLabels(filepath.Join(dir, res.TestLabels), splits.Test.Labels); err != nil {
		return nil, err
	}
	if err := runPCA(ctx, cfg, dir, xTrain, xTest, res, o.Log); err != nil {
		return nil, err
	}
	if err := runAutoencoder(ctx, cfg, dir, ckpt, xTrain, xTest, res, o.Log); err != nil {
		return nil, err
	}
	if err := writeExplainedVariance(filepath.Join(dir, "explained_variance.png"), res.ExplainedRatio, cfg.Reduce.PCADims); err != nil {
		return nil, err
	}
	return res, atomicfile.WriteJSON(filepath.Join(dir, "reduce.json"), res)
}

// pretrainedCheckpoint is the checkpoint the encoder comes from: the best
// one when early stopping chose it, else the last.
func pretrainedCheckpoint(cfg *config.Config) (string, error) {
	dir := pretrain.Dir(cfg)
	for _, name := range []string{pretrain.BestCheckpoint, pretrain.LastCheckpoint} {
		if cfg.Pretrain.Patience == 0 && name == pretrain.BestCheckpoint {
			continue
		}
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no pretrained autoencoder in %s: run `hourglass pretrain` with this config first (or `hourglass run`)", dir)
}

func runPCA(ctx context.Context, cfg *config.Config, dir string, xTrain, xTest *mat.Dense, res *Result, log io.Writer) error {
	dims := cfg.Reduce.PCADims
	if len(dims) == 0 {
		return nil
	}
	kmax := 0
	for _, k := range dims {
		kmax = max(kmax, k)
	}
	fmt.Fprintf(log, "fitting PCA on %d training images (%s)\n", res.TrainImages, fastblas.Name)
	start := time.Now()
	p := NewPCA(kmax)
	if err := p.Fit(xTrain); err != nil {
		return err
	}
	res.PCAFitSeconds = time.Since(start).Seconds()
	res.ExplainedRatio = p.ExplainedVarianceRatio()
	res.Cumulative = make([]float64, len(res.ExplainedRatio))
	sum := 0.0
	for i, r := range res.ExplainedRatio {
		sum += r
		res.Cumulative[i] = sum
	}
	fmt.Fprintf(log, "PCA fitted in %.2fs\n", res.PCAFitSeconds)
	for _, k := range dims {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		pk := p.Truncate(k)
		rep, err := writeRepresentation(dir, pk, xTrain, xTest)
		if err != nil {
			return err
		}
		rep.FitSeconds = res.PCAFitSeconds
		rep.Seconds = time.Since(start).Seconds()
		res.Representations = append(res.Representations, *rep)
		fmt.Fprintf(log, "%s: test reconstruction MSE %.5f\n", rep.Name, rep.TestMSE)
	}
	return nil
}

func runAutoencoder(ctx context.Context, cfg *config.Config, dir, ckpt string, xTrain, xTest *mat.Dense, res *Result, log io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	be, err := backend.New(cfg.Backend)
	if err != nil {
		return err
	}
	e, err := pretrain.NewEngine(be, pretrain.DefaultEngineOptions())
	if err != nil {
		return err
	}
	if err := pretrain.LoadEngine(e, ckpt); err != nil {
		return err
	}
	fmt.Fprintf(log, "encoding %d + %d images with the autoencoder from %s\n", res.TrainImages, res.TestImages, ckpt)
	start := time.Now()
	rep, err := writeRepresentation(dir, &Autoencoder{Engine: e}, xTrain, xTest)
	if err != nil {
		return err
	}
	rep.Seconds = time.Since(start).Seconds()
	res.Representations = append(res.Representations, *rep)
	fmt.Fprintf(log, "autoencoder: test reconstruction MSE %.5f (%.0fs)\n", rep.TestMSE, rep.Seconds)
	return nil
}

// writeRepresentation transforms both sets, writes their codes and
// measures the test reconstruction error.
func writeRepresentation(dir string, r Reducer, xTrain, xTest *mat.Dense) (*Representation, error) {
	rep := &Representation{Name: r.Name(), Dim: r.Dim(), TrainFile: "train_" + r.Name() + ".npy", TestFile: "test_" + r.Name() + ".npy"}
	for _, s := range []struct {
		x    *mat.Dense
		file string
	}{{xTrain, rep.TrainFile}, {xTest, rep.TestFile}} {
		codes, err := r.Transform(s.x)
		if err != nil {
			return nil, err
		}
		if err := WriteCodes(filepath.Join(dir, s.file), codes); err != nil {
			return nil, err
		}
		if s.x == xTest {
			back, err := r.Inverse(codes)
			if err != nil {
				return nil, err
			}
			rep.TestMSE = meanSquaredError(s.x, back)
		}
	}
	return rep, nil
}
