package generate

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/stat"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/frechet"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// Run draws the pictures and measures the samples' quality into the
// generate folder.
func Run(ctx context.Context, cfg *config.Config, env stage.Env) (*results.Generation, error) {
	p, err := stage.Prepare(layout.Generate, cfg, env, stage.Options{Backend: true, Model: true, Inputs: Inputs})
	if err != nil {
		return nil, err
	}
	defer p.Release()
	run, splits, g := p.Run, p.Splits, cfg.Generate
	c, info, err := featureClassifier(ctx, p.Backend, cfg, run, splits, p.Log)
	if err != nil {
		return nil, err
	}
	res := &results.Generation{Classifier: info}
	testFeatures, err := c.featuresOf(splits.Test.Images)
	if err != nil {
		return nil, err
	}
	testStats, err := frechet.Of(testFeatures)
	if err != nil {
		return nil, err
	}
	n := min(g.QualitySamples, splits.Train.Len())
	if res.Floor, err = quality(c, testStats, splits.Train.Slice(0, n).Images); err != nil {
		return nil, err
	}
	fmt.Fprintf(p.Log, "floor: %d training images are at a Fréchet distance of %.2f from the test images\n", n, res.Floor.All)
	e, err := load(p.Backend, engine.FromConfig(cfg, cfg.Seed), p.Model, cfg.Spec().Input)
	if err != nil {
		return nil, err
	}
	m := &measure{cfg: cfg, run: run, splits: splits, classifier: c, test: testStats, log: p.Log}
	if cfg.Pretrain.Model == "vae" {
		vae, err := m.vae(e, p.Model)
		if err != nil {
			return nil, err
		}
		res.Models = append(res.Models, vae)
		if g.Autoencoder != "" {
			other, err := load(p.Backend, engine.DefaultOptions(), g.Autoencoder, cfg.Spec().Input)
			if err != nil {
				return nil, fmt.Errorf("generate.autoencoder %s: %w", g.Autoencoder, err)
			}
			if other.Options().IsVAE() {
				return nil, fmt.Errorf("generate.autoencoder %s holds a VAE, not a plain autoencoder", g.Autoencoder)
			}
			ae, err := m.autoencoder(other, g.Autoencoder)
			if err != nil {
				return nil, err
			}
			res.Models = append(res.Models, ae)
			res.Difference = difference(vae, ae)
		}
	} else {
		ae, err := m.autoencoder(e, p.Model)
		if err != nil {
			return nil, err
		}
		res.Models = append(res.Models, ae)
	}
	return res, atomicfile.WriteJSON(run.GenerateJSON(), res)
}

// Stage is generation as a pipeline stage.
var Stage = stage.Define(layout.Generate, []string{layout.Pretrain},
	func(cfg *config.Config) any { return cfg.Generate }, Inputs, Run)

// Inputs checks the one thing generation reads from outside the
// experiment: in a VAE experiment, generate.autoencoder (when set) must
// hold a plain autoencoder's checkpoint. `hourglass run` checks it before
// the first stage, so a missing experiment stops it at once rather than
// after pretraining.
func Inputs(cfg *config.Config) error {
	path := cfg.Generate.Autoencoder
	if path == "" || cfg.Pretrain.Model != "vae" {
		return nil // an autoencoder experiment measures its own
	}
	const fix = "run that experiment first (`hourglass run configs/quickstart.yaml` makes runs/quickstart), " +
		`or set generate.autoencoder to another autoencoder experiment, or to "" to compare none`
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("generate.autoencoder: %s does not exist; %s", path, fix)
	}
	if _, err := layout.ResolveCheckpoint(path); err != nil {
		return fmt.Errorf("generate.autoencoder: %s holds no hourglass checkpoint (want an experiment's output folder, its pretrain folder or a checkpoint folder); %s", path, fix)
	}
	spec, _, err := engine.ReadSpec(path)
	if err != nil {
		return fmt.Errorf("generate.autoencoder: %w", err)
	}
	if spec.IsVAE() {
		return fmt.Errorf(`generate.autoencoder: %s holds a VAE, not a plain autoencoder; set it to an experiment with pretrain.model ae, or to "" to compare none`, path)
	}
	if want := cfg.Spec().Input; spec.Input != want {
		return fmt.Errorf("generate.autoencoder: %s holds a model of %dx%dx%d images (%s), but this experiment's images are %dx%dx%d (model.input): compare models of the same input",
			path, spec.Input[0], spec.Input[1], spec.Input[2], spec, want[0], want[1], want[2])
	}
	return nil
}

// load builds an engine of the model a checkpoint holds, with o's other
// options, on its weights (the variables load as the first graph is
// built: encoding an image builds it). The model must take the
// experiment's images (input).
func load(be backends.Backend, o engine.Options, path string, input [3]int) (*engine.Engine, error) {
	spec, dir, err := engine.ReadSpec(path)
	if err != nil {
		return nil, err
	}
	if spec.Input != input {
		return nil, fmt.Errorf("%s holds a model of %dx%dx%d images (%s), but this experiment's images are %dx%dx%d (model.input): compare models of the same input",
			dir, spec.Input[0], spec.Input[1], spec.Input[2], spec, input[0], input[1], input[2])
	}
	o.Spec = spec
	e, err := engine.New(be, o)
	if err != nil {
		return nil, err
	}
	if err := e.Load(path); err != nil {
		return nil, err
	}
	_, err = e.Encode(e.Images(make([]float32, spec.Values())))
	return e, err
}

// measure holds what every model is measured against.
type measure struct {
	cfg        *config.Config
	run        layout.Run
	splits     *data.Splits
	classifier *classifier
	test       frechet.Stats
	log        io.Writer
}

// vae draws the VAE's pictures and measures its bound and samples.
func (m *measure) vae(e *engine.Engine, source string) (results.GenerativeModel, error) {
	g, test := m.cfg.Generate, m.splits.Test
	r := results.GenerativeModel{Name: "vae", How: "decoded from points drawn from the prior N(0, I)", Source: source, Latent: e.CodeSize()}
	if err := e.Reseed(m.cfg.Seed); err != nil { // one seeded posterior sample per image
		return r, err
	}
	var err error
	if r.TestRecon, r.TestKL, err = e.MeanParts(test, 1000); err != nil {
		return r, err
	}
	r.TestNegELBO = r.TestRecon + r.TestKL
	if err := m.reconstructionQuality(e, &r); err != nil {
		return r, err
	}
	codes, err := encode(e, test.Images)
	if err != nil {
		return r, err
	}
	activity := variances(codes, e.CodeSize())
	for _, v := range activity {
		if v > 0.01 {
			r.ActiveUnits++
		}
	}
	samples, err := decode(e, priorSamples(g.QualitySamples, e.CodeSize(), m.cfg.Seed))
	if err != nil {
		return r, err
	}
	if r.Quality, err = quality(m.classifier, m.test, samples); err != nil {
		return r, err
	}
	fmt.Fprintf(m.log, "VAE: test negative ELBO %.2f nats per image (reconstruction %.2f + KL %.2f), %d of %d latent dimensions active; samples at a Fréchet distance of %.2f, its test reconstructions at %.2f\n",
		r.TestNegELBO, r.TestRecon, r.TestKL, r.ActiveUnits, e.CodeSize(), r.Quality.All, r.Reconstructions.All)
	if err := grid(m.run.Samples(), fmt.Sprintf("%d samples decoded from points drawn from the prior N(0, I)", g.Samples), data.Shape(e.Spec().Input), samples, g.Samples, 8); err != nil {
		return r, err
	}
	if err := interpolations(m.run.Interpolations(), e, test, g.Interpolations); err != nil {
		return r, err
	}
	return r, traversals(m.run.Traversals(), e, activity)
}

// autoencoder samples the plain autoencoder through a Gaussian fitted to
// its codes of the training images.
func (m *measure) autoencoder(e *engine.Engine, source string) (results.GenerativeModel, error) {
	g := m.cfg.Generate
	r := results.GenerativeModel{Name: "autoencoder", How: "decoded from points drawn from a Gaussian fitted to its training codes (mean and full covariance)",
		Source: source, Latent: e.CodeSize()}
	fit, err := fitGaussian(e, m.splits.Train)
	if err != nil {
		return r, fmt.Errorf("fitting a Gaussian to the autoencoder's training codes: %w", err)
	}
	samples, err := decode(e, fit.sample(g.QualitySamples, m.cfg.Seed))
	if err != nil {
		return r, err
	}
	if r.Quality, err = quality(m.classifier, m.test, samples); err != nil {
		return r, err
	}
	independent, err := decode(e, fit.sampleIndependent(g.QualitySamples, m.cfg.Seed))
	if err != nil {
		return r, err
	}
	ind, err := quality(m.classifier, m.test, independent)
	if err != nil {
		return r, err
	}
	r.Independent = &ind
	if err := m.reconstructionQuality(e, &r); err != nil {
		return r, err
	}
	fmt.Fprintf(m.log, "autoencoder: samples from a Gaussian fitted to its training codes at a Fréchet distance of %.2f (%.2f with independent code values); its test reconstructions at %.2f\n",
		r.Quality.All, ind.All, r.Reconstructions.All)
	return r, grid(m.run.AutoencoderSamples(), fmt.Sprintf("%d autoencoder samples: codes drawn from a Gaussian fitted to its training codes, decoded", g.Samples),
		data.Shape(e.Spec().Input), samples, g.Samples, 8)
}

// reconstructions decodes a set from its codes (a VAE's posterior means)
// and returns the per-pixel squared error with the first keep decoded
// images.
func reconstructions(e *engine.Engine, s *data.Set, keep int) (float64, []float32, error) {
	px := s.ImageShape().Values()
	var sum float64
	var kept []float32
	for from := 0; from < s.Len(); from += 1000 {
		to := min(from+1000, s.Len())
		rec, err := e.Reconstruct(engine.Batch(s.Slice(from, to)))
		if err != nil {
			return 0, nil, err
		}
		vals := tensors.MustCopyFlatData[float32](rec)
		for i, v := range vals {
			d := float64(v - s.Images[from*px+i])
			sum += d * d
		}
		if room := keep*px - len(kept); room > 0 {
			kept = append(kept, vals[:min(room, len(vals))]...)
		}
	}
	return sum / float64(s.Len()*px), kept, nil
}

// reconstructionQuality measures a model's test MSE and the distance of
// its decoded test images.
func (m *measure) reconstructionQuality(e *engine.Engine, r *results.GenerativeModel) error {
	mse, rec, err := reconstructions(e, m.splits.Test, m.cfg.Generate.QualitySamples)
	if err != nil {
		return err
	}
	r.TestMSE = mse
	r.Reconstructions, err = quality(m.classifier, m.test, rec)
	return err
}

// variances is each column's variance of n x d codes.
func variances(codes []float32, d int) []float64 {
	n := len(codes) / d
	out := make([]float64, d)
	col := make([]float64, n)
	for j := range d {
		for i := range n {
			col[i] = float64(codes[i*d+j])
		}
		out[j] = stat.Variance(col, nil)
	}
	return out
}
