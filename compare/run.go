package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/finetune"
	"github.com/hourglass-ml/hourglass/internal/outdir"
	"github.com/hourglass-ml/hourglass/pretrain"
	"github.com/hourglass-ml/hourglass/reduce"
)

// Options drive a compare run beside its configuration.
type Options struct {
	Log       io.Writer
	Splits    *data.Splits // instead of loading the data (tests)
	LookupEnv func(string) (string, bool)
	Versions  map[string]string // library versions for results.json
}

// Run scores raw pixels and every representation reduce wrote with kNN,
// then writes report.md, report.html and results.json into output_dir.
func Run(ctx context.Context, cfg *config.Config, o Options) (*Results, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	rdir := reduce.Dir(cfg)
	var red reduce.Result
	if err := readJSON(filepath.Join(rdir, "reduce.json"), &red); err != nil {
		return nil, fmt.Errorf("%w: run `hourglass reduce` with this config first (or `hourglass run`)", err)
	}
	lock, err := outdir.Open(cfg.OutputDir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	splits, err := data.Use(o.Splits, cfg.Data, cfg.Seed, o.LookupEnv)
	if err != nil {
		return nil, err
	}
	train := splits.Neighbours(cfg.Data)
	nq := splits.Test.Len()
	if cfg.Compare.TestSubset > 0 {
		nq = min(nq, cfg.Compare.TestSubset)
	}
	test := splits.Test.Slice(0, nq)
	if train.Len() != red.TrainImages || splits.Test.Len() != red.TestImages {
		return nil, fmt.Errorf("%s was written for %d training and %d test images, the data now has %d and %d: run `hourglass reduce` again",
			rdir, red.TrainImages, red.TestImages, train.Len(), splits.Test.Len())
	}
	res := &Results{Name: cfg.Name, Config: cfg, Seed: cfg.Seed, Backend: cfg.Backend, Cores: runtime.NumCPU(),
		BLAS: red.BLAS, KNNPath: KNNPath, Versions: o.Versions, TrainImages: train.Len(), TestImages: splits.Test.Len(),
		Queries: nq, TestSubset: cfg.Compare.TestSubset, K: cfg.Compare.K, Reduce: &red, Generated: time.Now().UTC().Format(time.RFC3339)}
	loadPretrain(cfg, res)
	loadFinetune(cfg, res)
	// One code path for every representation: raw pixels first.
	reps := []struct {
		name        string
		train, test func() (*mat.Dense, error)
	}{{"pixels", func() (*mat.Dense, error) { return reduce.Matrix(train), nil }, func() (*mat.Dense, error) { return reduce.Matrix(test), nil }}}
	for _, r := range red.Representations {
		r := r
		reps = append(reps, struct {
			name        string
			train, test func() (*mat.Dense, error)
		}{r.Name, func() (*mat.Dense, error) { return reduce.ReadCodes(filepath.Join(rdir, r.TrainFile)) },
			func() (*mat.Dense, error) { return firstRows(filepath.Join(rdir, r.TestFile), nq) }})
	}
	for _, r := range reps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		xtr, err := r.train()
		if err != nil {
			return nil, err
		}
		xte, err := r.test()
		if err != nil {
			return nil, err
		}
		k, err := KNN(r.name, xtr, train.Labels, xte, test.Labels, cfg.Compare.K, o.Log)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "%s: kNN accuracy %.2f%% (%d dims, %.1fs)\n", r.name, 100*k.Accuracy, k.Dim, k.Seconds)
		res.KNN = append(res.KNN, *k)
	}
	if err := scatterData(rdir, &red, test.Labels, res); err != nil {
		return nil, err
	}
	res.Conclusion = conclude(res)
	return res, writeReport(cfg.OutputDir, res)
}

func firstRows(path string, n int) (*mat.Dense, error) {
	m, err := reduce.ReadCodes(path)
	if err != nil {
		return nil, err
	}
	r, c := m.Dims()
	if n > r {
		return nil, fmt.Errorf("%s has %d rows, %d queries asked for", path, r, n)
	}
	return mat.DenseCopyOf(m.Slice(0, n, 0, c)), nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s is corrupt: %w", path, err)
	}
	return nil
}

// loadFinetune reads the finetune stage's summary, if it ran.
func loadFinetune(cfg *config.Config, res *Results) {
	var f finetune.Results
	dir := finetune.Dir(cfg)
	if readJSON(filepath.Join(dir, finetune.ResultsJSON), &f) != nil || len(f.Summary) == 0 {
		return
	}
	res.Finetune = &FinetuneResults{}
	for _, r := range f.Summary {
		res.Finetune.Rows = append(res.Finetune.Rows, FinetuneRow{Method: r.Method, LabelsPerClass: r.LabelsPerClass,
			Runs: r.Runs, MeanAccuracy: r.MeanAccuracy, StdAccuracy: r.StdAccuracy})
	}
	if _, err := os.Stat(filepath.Join(dir, finetune.EfficiencyPlot)); err == nil {
		res.Finetune.Plot = filepath.Join("finetune", finetune.EfficiencyPlot)
	}
}

// loadPretrain reads what pretrain wrote, if it did.
func loadPretrain(cfg *config.Config, res *Results) {
	dir := pretrain.Dir(cfg)
	var s pretrain.Summary
	if readJSON(filepath.Join(dir, "summary.json"), &s) == nil {
		res.Pretrain = &s
	}
	var h []pretrain.EpochMetrics
	if readJSON(filepath.Join(dir, "metrics.json"), &h) == nil {
		res.PretrainHistory = h
	}
}
