package reduce

import (
	"context"
	"fmt"
	"io"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/engine"
	"github.com/hourglass-ml/hourglass/internal/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/codes"
	"github.com/hourglass-ml/hourglass/internal/fastblas"
	"github.com/hourglass-ml/hourglass/internal/pca"
	"github.com/hourglass-ml/hourglass/layout"
	"github.com/hourglass-ml/hourglass/results"
	"github.com/hourglass-ml/hourglass/stage"
)

// Run fits PCA on the training images (one fit, with the largest of
// reduce.pca_dims components; smaller sizes are its leading columns),
// encodes with the pretrained autoencoder, and writes codes, labels, the
// explained-variance plot and reduce.json into the reduce folder.
func Run(ctx context.Context, cfg *config.Config, env stage.Env) (*results.Reduction, error) {
	p, err := stage.Prepare(layout.Reduce, cfg, env, stage.Options{Backend: true, Model: true})
	if err != nil {
		return nil, err
	}
	defer p.Release()
	run, ckpt := p.Run, p.Model
	train := p.Splits.Neighbours(cfg.Data)
	xTrain, xTest := codes.Matrix(train), codes.Matrix(p.Splits.Test)
	res := &results.Reduction{TrainImages: train.Len(), TestImages: p.Splits.Test.Len(), BLAS: fastblas.Name,
		TrainLabels: run.Rel(run.Labels(layout.TrainSplit)), TestLabels: run.Rel(run.Labels(layout.TestSplit)), Checkpoint: ckpt}
	if err := codes.WriteLabels(run.Labels(layout.TrainSplit), train.Labels); err != nil {
		return nil, err
	}
	if err := codes.WriteLabels(run.Labels(layout.TestSplit), p.Splits.Test.Labels); err != nil {
		return nil, err
	}
	if err := runPCA(ctx, cfg, run, xTrain, xTest, res, p.Log); err != nil {
		return nil, err
	}
	e, err := engine.New(p.Backend, engine.DefaultOptions())
	if err != nil {
		return nil, err
	}
	if err := e.Load(ckpt); err != nil {
		return nil, err
	}
	if err := runAutoencoder(ctx, run, &Autoencoder{Engine: e}, ckpt, xTrain, xTest, res, p.Log); err != nil {
		return nil, err
	}
	if err := writeExplainedVariance(run.ExplainedVariancePlot(), res.ExplainedRatio, cfg.Reduce.PCADims); err != nil {
		return nil, err
	}
	return res, atomicfile.WriteJSON(run.ReduceJSON(), res)
}

// Stage is dimensionality reduction as a pipeline stage.
var Stage = stage.Define(layout.Reduce, []string{layout.Pretrain},
	func(cfg *config.Config) any { return cfg.Reduce }, Run)

func runPCA(ctx context.Context, cfg *config.Config, run layout.Run, xTrain, xTest *mat.Dense, res *results.Reduction, log io.Writer) error {
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
	p := pca.New(kmax)
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
		rep, err := writeRepresentation(run, PCA{p.Truncate(k)}, xTrain, xTest)
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

func runAutoencoder(ctx context.Context, run layout.Run, ae *Autoencoder, ckpt string, xTrain, xTest *mat.Dense, res *results.Reduction, log io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(log, "encoding %d + %d images with the autoencoder from %s\n", res.TrainImages, res.TestImages, ckpt)
	start := time.Now()
	rep, err := writeRepresentation(run, ae, xTrain, xTest)
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
func writeRepresentation(run layout.Run, r Reducer, xTrain, xTest *mat.Dense) (*results.Representation, error) {
	id := r.Rep()
	rep := &results.Representation{Rep: id, Name: id.Name(),
		TrainFile: run.Rel(run.Codes(layout.TrainSplit, id.Name())), TestFile: run.Rel(run.Codes(layout.TestSplit, id.Name()))}
	for _, s := range []struct {
		x     *mat.Dense
		split layout.Split
	}{{xTrain, layout.TrainSplit}, {xTest, layout.TestSplit}} {
		c, err := r.Transform(s.x)
		if err != nil {
			return nil, err
		}
		if err := codes.WriteCodes(run.Codes(s.split, id.Name()), c); err != nil {
			return nil, err
		}
		if s.split == layout.TestSplit {
			back, err := r.Inverse(c)
			if err != nil {
				return nil, err
			}
			rep.TestMSE = codes.MeanSquaredError(s.x, back)
		}
	}
	return rep, nil
}
