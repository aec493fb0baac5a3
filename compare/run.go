package compare

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/codes"
	"github.com/hourglass-ml/hourglass/layout"
	"github.com/hourglass-ml/hourglass/results"
	"github.com/hourglass-ml/hourglass/stage"
)

// Run scores raw pixels and every representation reduce wrote with kNN,
// then writes report.md, report.html and results.json into output_dir.
func Run(ctx context.Context, cfg *config.Config, env stage.Env) (*results.Comparison, error) {
	run := layout.At(cfg.OutputDir)
	red, err := results.ReadReduction(run)
	if err != nil {
		return nil, fmt.Errorf("%w: run `hourglass reduce` with this config first (or `hourglass run`)", err)
	}
	p, err := stage.Prepare(layout.Compare, cfg, env, stage.Options{})
	if err != nil {
		return nil, err
	}
	defer p.Release()
	splits := p.Splits
	train := splits.Neighbours(cfg.Data)
	nq := splits.Test.Len()
	if cfg.Compare.TestSubset > 0 {
		nq = min(nq, cfg.Compare.TestSubset)
	}
	test := splits.Test.Slice(0, nq)
	if train.Len() != red.TrainImages || splits.Test.Len() != red.TestImages {
		return nil, fmt.Errorf("%s was written for %d training and %d test images, the data now has %d and %d: run `hourglass reduce` again",
			run.StageDir(layout.Reduce), red.TrainImages, red.TestImages, train.Len(), splits.Test.Len())
	}
	res := &results.Comparison{Name: cfg.Name, Config: cfg, Seed: cfg.Seed, Backend: cfg.Backend, Cores: runtime.NumCPU(),
		BLAS: red.BLAS, KNNPath: KNNPath, Versions: env.Versions, TrainImages: train.Len(), TestImages: splits.Test.Len(),
		Queries: nq, TestSubset: cfg.Compare.TestSubset, K: cfg.Compare.K, Reduce: red, Generated: time.Now().UTC().Format(time.RFC3339)}
	if s, err := results.ReadPretraining(run); err == nil {
		res.Pretrain = s
	}
	if h, err := results.ReadHistory(run); err == nil {
		res.PretrainHistory = h
	}
	if t, err := results.ReadTransfer(run); err == nil && len(t.Summary) > 0 {
		res.Finetune = t
	}
	for _, rep := range representations(run, red, train, test) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		xtr, err := rep.train()
		if err != nil {
			return nil, err
		}
		xte, err := rep.test()
		if err != nil {
			return nil, err
		}
		k, err := KNN(rep.Name(), xtr, train.Labels, xte, test.Labels, cfg.Compare.K, p.Log)
		if err != nil {
			return nil, err
		}
		k.Rep = rep.Rep
		fmt.Fprintf(p.Log, "%s: kNN accuracy %.2f%% (%d dims, %.1fs)\n", k.Representation, 100*k.Accuracy, k.Dim, k.Seconds)
		res.KNN = append(res.KNN, *k)
	}
	rep := &report{Comparison: res}
	if err := rep.scatterData(run, red, test.Labels); err != nil {
		return nil, err
	}
	res.Conclusion = conclude(res)
	return res, rep.write(run)
}

// Stage is the comparison and report as a pipeline stage.
var Stage = stage.Define(layout.Compare, []string{layout.Pretrain, layout.Finetune, layout.Reduce},
	func(cfg *config.Config) any { return []any{cfg.Compare, cfg.Name} }, Run)

// source is one representation's training and query codes, loaded on
// demand: raw pixels first, then every code set reduce wrote, through one
// code path.
type source struct {
	results.Rep
	train, test func() (*mat.Dense, error)
}

func representations(run layout.Run, red *results.Reduction, train, test *data.Set) []source {
	out := []source{{results.PixelsRep(), func() (*mat.Dense, error) { return codes.Matrix(train), nil },
		func() (*mat.Dense, error) { return codes.Matrix(test), nil }}}
	for _, r := range red.Representations {
		trainFile, testFile := run.Codes(layout.TrainSplit, r.Rep.Name()), run.Codes(layout.TestSplit, r.Rep.Name())
		out = append(out, source{r.Rep, func() (*mat.Dense, error) { return codes.ReadCodes(trainFile) },
			func() (*mat.Dense, error) { return firstRows(testFile, test.Len()) }})
	}
	return out
}

func firstRows(path string, n int) (*mat.Dense, error) {
	m, err := codes.ReadCodes(path)
	if err != nil {
		return nil, err
	}
	r, c := m.Dims()
	if n > r {
		return nil, fmt.Errorf("%s has %d rows, %d queries asked for", path, r, n)
	}
	return mat.DenseCopyOf(m.Slice(0, n, 0, c)), nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
