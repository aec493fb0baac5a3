package reduce

import (
	"context"
	"fmt"
	"io"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/base/fastblas"
	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/pca"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/stage"
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
	errs := map[string][]float64{} // per-image test MSE, by representation
	if err := runPCA(ctx, cfg, run, xTrain, xTest, res, errs, p.Log); err != nil {
		return nil, err
	}
	spec, _, err := engine.ReadSpec(ckpt)
	if err != nil {
		return nil, err
	}
	if !spec.Equal(cfg.Spec()) {
		return nil, fmt.Errorf("reduce: the pretrained model in %s is %s, but the model section asks for %s: pretrain again, or set the model section as pretraining had it", ckpt, spec, cfg.Spec())
	}
	e, err := engine.New(p.Backend, engine.FromConfig(cfg, cfg.Seed))
	if err != nil {
		return nil, err
	}
	if err := e.Load(ckpt); err != nil {
		return nil, err
	}
	if err := runAutoencoder(ctx, run, &Autoencoder{Engine: e}, ckpt, xTrain, xTest, res, errs, p.Log); err != nil {
		return nil, err
	}
	res.Reconstruction = reconstructionTests(res, errs)
	if err := writeExplainedVariance(run.ExplainedVariancePlot(), res.ExplainedRatio, cfg.Reduce.PCADims); err != nil {
		return nil, err
	}
	return res, atomicfile.WriteJSON(run.ReduceJSON(), res)
}

// Stage is dimensionality reduction as a pipeline stage.
var Stage = stage.Define(layout.Reduce, []string{layout.Pretrain},
	func(cfg *config.Config) any { return cfg.Reduce }, nil, Run)

func runPCA(ctx context.Context, cfg *config.Config, run layout.Run, xTrain, xTest *mat.Dense, res *results.Reduction, errs map[string][]float64, log io.Writer) error {
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
		rep, perImage, err := writeRepresentation(run, PCA{p.Truncate(k)}, xTrain, xTest)
		if err != nil {
			return err
		}
		errs[rep.Name] = perImage
		rep.FitSeconds = res.PCAFitSeconds
		rep.Seconds = time.Since(start).Seconds()
		res.Representations = append(res.Representations, *rep)
		fmt.Fprintf(log, "%s: test reconstruction MSE %.5f\n", rep.Name, rep.TestMSE)
	}
	return nil
}

func runAutoencoder(ctx context.Context, run layout.Run, ae *Autoencoder, ckpt string, xTrain, xTest *mat.Dense, res *results.Reduction, errs map[string][]float64, log io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(log, "encoding %d + %d images with the autoencoder from %s\n", res.TrainImages, res.TestImages, ckpt)
	start := time.Now()
	rep, perImage, err := writeRepresentation(run, ae, xTrain, xTest)
	if err != nil {
		return err
	}
	errs[rep.Name] = perImage
	rep.Seconds = time.Since(start).Seconds()
	res.Representations = append(res.Representations, *rep)
	fmt.Fprintf(log, "%s: test reconstruction MSE %.5f (%.0fs)\n", rep.Name, rep.TestMSE, rep.Seconds)
	return nil
}

// writeRepresentation transforms both sets, writes their codes and
// measures the test reconstruction error, overall and per image.
func writeRepresentation(run layout.Run, r Reducer, xTrain, xTest *mat.Dense) (*results.Representation, []float64, error) {
	id := r.Rep()
	var perImage []float64
	rep := &results.Representation{Rep: id, Name: id.Name(),
		TrainFile: run.Rel(run.Codes(layout.TrainSplit, id.Name())), TestFile: run.Rel(run.Codes(layout.TestSplit, id.Name()))}
	for _, s := range []struct {
		x     *mat.Dense
		split layout.Split
	}{{xTrain, layout.TrainSplit}, {xTest, layout.TestSplit}} {
		c, err := r.Transform(s.x)
		if err != nil {
			return nil, nil, err
		}
		if err := codes.WriteCodes(run.Codes(s.split, id.Name()), c); err != nil {
			return nil, nil, err
		}
		if s.split == layout.TestSplit {
			back, err := r.Inverse(c)
			if err != nil {
				return nil, nil, err
			}
			rep.TestMSE = codes.MeanSquaredError(s.x, back)
			perImage = rowErrors(s.x, back)
		}
	}
	return rep, perImage, nil
}

// rowErrors is each row's mean squared difference.
func rowErrors(a, b *mat.Dense) []float64 {
	n, d := a.Dims()
	out := make([]float64, n)
	for i := range n {
		ra, rb := a.RawRowView(i), b.RawRowView(i)
		for j := range ra {
			t := ra[j] - rb[j]
			out[i] += t * t
		}
		out[i] /= float64(d)
	}
	return out
}

// reconstructionTests compares the autoencoder's per-image test error with
// each PCA's, paired by image.
func reconstructionTests(res *results.Reduction, errs map[string][]float64) []results.MSEComparison {
	ae := res.Find(results.Autoencoder)
	if ae == nil {
		ae = res.Find(results.VAE)
	}
	if ae == nil {
		return nil
	}
	var out []results.MSEComparison
	for _, r := range res.Representations {
		if r.Kind != results.PCA {
			continue
		}
		a, b := errs[ae.Name], errs[r.Name]
		d := make([]float64, len(a))
		for i := range a {
			d[i] = a[i] - b[i]
		}
		iv := stats.MeanInterval(d, 0.95)
		out = append(out, results.MSEComparison{A: ae.Name, B: r.Name, Images: len(d), Mean: iv.Mean, Low: iv.Lo, High: iv.Hi})
	}
	return out
}
