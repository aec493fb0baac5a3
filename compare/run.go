package compare

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/stage"
	"github.com/hourglass-ml/hourglass/knn"
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
		BLAS: red.BLAS, KNNPath: ExactPath, Engine: cfg.Compare.KNN, Weights: cfg.Compare.Weights,
		Versions: env.Versions, TrainImages: train.Len(), TestImages: splits.Test.Len(),
		Queries: nq, TestSubset: cfg.Compare.TestSubset, K: cfg.Compare.K, Reduce: red, Generated: time.Now().UTC().Format(time.RFC3339),
		Data: dataInfo(splits)}
	if s, err := results.ReadPretraining(run); err == nil {
		res.Pretrain = s
	}
	if h, err := results.ReadHistory(run); err == nil {
		res.PretrainHistory = h
	}
	if t, err := results.ReadTransfer(run); err == nil && len(t.Summary) > 0 {
		res.Finetune = t
	}
	if g, err := results.ReadGeneration(run); err == nil && len(g.Models) > 0 {
		res.Generation = g
	}
	if cfg.Compare.KNN == "golearn" {
		res.KNNPath = GolearnPath
	}
	sample := checkSample(cfg, nq)
	sources := representations(run, red, train, test)
	for _, rep := range sources {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, err := scoreRepresentation(ctx, rep, train.Labels, test.Labels, splits.NumClasses(), cfg.Compare, sample, p.Log)
		if err != nil {
			return nil, err
		}
		res.KNN = append(res.KNN, *k)
		runtime.GC() // the representation's vectors and index are garbage now: keep the peak to one at a time
	}
	rep := &report{Comparison: res}
	if err := rep.scatterData(run, red, test.Labels); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(run.StageDir(layout.Compare), 0o755); err != nil {
		return nil, err
	}
	if err := rep.tsneMaps(ctx, run, sources, test.Labels, cfg.Seed, p.Log); err != nil {
		return nil, err
	}
	res.KNNTests = pairedTests(res.KNN, test.Labels)
	res.Conclusion, res.Headlines = conclude(res), headlines(res)
	return res, rep.write(run)
}

// Stage is the comparison and report as a pipeline stage.
var Stage = stage.Define(layout.Compare, []string{layout.Pretrain, layout.Finetune, layout.Reduce, layout.Generate},
	func(cfg *config.Config) any { return []any{cfg.Compare, cfg.Name} }, nil, Run)

// scoreRepresentation runs the configured engine on one representation
// and, with the exact engine, golearn's cross-check on the sample.
func scoreRepresentation(ctx context.Context, rep source, trainLabels, testLabels []int, classes int, cfg config.Compare, sample []int, log io.Writer) (*results.KNN, error) {
	train, test, err := rep.load(len(trainLabels), len(testLabels))
	if err != nil {
		return nil, err
	}
	name := rep.Name()
	var k *results.KNN
	if cfg.KNN == "golearn" {
		if k, err = golearnKNN(ctx, name, train, trainLabels, test, testLabels, classes, cfg, log); err != nil {
			return nil, err
		}
	} else {
		var nb *knn.Neighbours
		if k, nb, err = exactKNN(ctx, name, train, trainLabels, test, testLabels, classes, cfg, log); err != nil {
			return nil, err
		}
		if len(sample) > 0 {
			if k.Check, err = golearnCheck(ctx, name, train, trainLabels, classes, test, nb, cfg.K, sample, log); err != nil {
				return nil, err
			}
			for _, p := range k.Check.Problems {
				fmt.Fprintf(log, "ERROR: golearn cross-check: %s\n", p)
			}
		}
	}
	k.Rep, k.Representation, k.K, k.Queries, k.Neighbours = rep.Rep, name, cfg.K, test.n, train.n
	fmt.Fprintf(log, "%s: kNN accuracy %.2f%% (%d dims, %s, %.1fs)\n", name, 100*k.Accuracy, k.Dim, k.Engine, k.Seconds)
	if c := k.Check; c != nil {
		fmt.Fprintf(log, "%s: golearn agrees on %d of %d queries (%d differ at a tied vote, %d at a distance tie, %d unexplained; %.1fs)\n",
			name, c.Agree, c.Queries, c.TiedVote, c.TiedDistance, c.Unexplained, c.Seconds)
	}
	return k, nil
}

// checkSample is the seeded sample of queries golearn's classifier checks.
func checkSample(cfg *config.Config, nq int) []int {
	n := min(cfg.Compare.GolearnCheck, nq)
	if cfg.Compare.KNN != "exact" || n == 0 {
		return nil
	}
	s := data.NewRand(cfg.Seed, 500).Perm(nq)[:n]
	slices.Sort(s)
	return s
}

// source is one representation's training and query vectors, loaded on
// demand: raw pixels first, then every code set reduce wrote, through one
// code path.
type source struct {
	results.Rep
	train func(n int) (rows, error) // the first n training rows
	test  func(n int) (rows, error) // the first n test rows
}

// load reads the first nTrain training and nTest test rows.
func (s source) load(nTrain, nTest int) (train, test rows, err error) {
	if train, err = s.train(nTrain); err != nil {
		return rows{}, rows{}, err
	}
	test, err = s.test(nTest)
	return train, test, err
}

func representations(run layout.Run, red *results.Reduction, train, test *data.Set) []source {
	px := func(s *data.Set) func(int) (rows, error) {
		return func(n int) (rows, error) {
			r := rows{s.Images, s.Len(), s.ImageShape().Values()}
			if n == 0 || n > r.n {
				return r, nil
			}
			return r.slice(n), nil
		}
	}
	out := []source{{results.Rep{Kind: results.Pixels, Dim: train.ImageShape().Values()}, px(train), px(test)}}
	for _, r := range red.Representations {
		trainFile, testFile := run.Codes(layout.TrainSplit, r.Rep.Name()), run.Codes(layout.TestSplit, r.Rep.Name())
		out = append(out, source{r.Rep, func(n int) (rows, error) { return readRows(trainFile, n) },
			func(n int) (rows, error) { return readRows(testFile, n) }})
	}
	return out
}

// readRows reads the first n rows of a codes file (0: all).
func readRows(path string, n int) (rows, error) {
	vals, r, c, err := codes.ReadFloat32(path)
	if err != nil {
		return rows{}, err
	}
	if n == 0 {
		n = r
	}
	if n > r {
		return rows{}, fmt.Errorf("%s has %d rows, %d needed: run `hourglass reduce` again", path, r, n)
	}
	return rows{vals, r, c}.slice(n), nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// dataInfo describes the experiment's data for results.json and the
// report.
func dataInfo(s *data.Splits) *results.DataInfo {
	k := s.NumClasses()
	d := &results.DataInfo{Source: s.Source, Dir: s.Location.Dir, Classes: s.Classes,
		Train: s.Train.ClassCounts(k), Test: s.Test.ClassCounts(k), TestDrawn: s.TestDrawn,
		Unlabelled: s.UnlabelledLen(), Shape: s.ImageShape().String(), Conversion: s.Conversion.String()}
	if s.Validation != nil {
		d.Validation = s.Validation.ClassCounts(k)
	}
	if d.Source == "" {
		d.Source = data.SourceFashion
	}
	return d
}
