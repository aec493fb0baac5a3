package generate

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/frechet"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
	"github.com/hourglass-ml/hourglass/model"
	"github.com/hourglass-ml/hourglass/pretrain"
)

// vaeExperiment pretrains a 2-value VAE for one short epoch on real
// images: two latent values draw the manifold grid as traversals.
func vaeExperiment(t *testing.T, splits *data.Splits) *config.Config {
	t.Helper()
	cfg := testutil.TinyConfig(t)
	cfg.Pretrain.Model, cfg.Model.Code, cfg.Pretrain.BatchSize = "vae", 2, 32
	if _, err := pretrain.Run(context.Background(), cfg, stage.Env{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestGenerateVAEAgainstAutoencoder(t *testing.T) {
	splits := testutil.TinySplits(t, 640, 64, 500)
	cfg := vaeExperiment(t, splits)
	ae := testutil.TinyConfig(t)
	testutil.Pretrained(t, ae, splits)
	cfg.Generate.Autoencoder = ae.OutputDir

	g, err := Run(context.Background(), cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Models) != 2 || g.Models[0].Name != "vae" || g.Models[1].Name != "autoencoder" || g.Difference == nil {
		t.Fatalf("models %+v, difference %v", g.Models, g.Difference)
	}
	vae, plain := g.Models[0], g.Models[1]
	// The bound is its two parts; both are positive, and a VAE cannot
	// have more active units than latent values.
	if math.Abs(vae.TestNegELBO-(vae.TestRecon+vae.TestKL)) > 1e-9 || !(vae.TestRecon > 0 && vae.TestKL > 0) ||
		vae.Latent != 2 || vae.ActiveUnits > 2 || !(vae.TestMSE > 0 && vae.TestMSE < 0.2) {
		t.Errorf("VAE figures %+v", vae)
	}
	if plain.Latent != 576 || plain.Independent == nil || vae.Independent != nil {
		t.Errorf("autoencoder %+v", plain)
	}
	// Distances are non-negative, and samples of an untrained-for-long
	// model are further from the test images than real training images.
	for _, d := range []float64{g.Floor.All, vae.Quality.All, plain.Quality.All, vae.Reconstructions.All, plain.Independent.All} {
		if !(d >= 0) {
			t.Errorf("distance %v", d)
		}
	}
	if !(vae.Quality.All > g.Floor.All && plain.Quality.All > g.Floor.All) || len(vae.Quality.Batches) != batches {
		t.Errorf("floor %v, VAE %+v, autoencoder %+v", g.Floor, vae.Quality, plain.Quality)
	}
	if want := (mean(vae.Quality.Batches) - mean(plain.Quality.Batches)); math.Abs(g.Difference.Mean-want) > 1e-9 || g.Difference.Low > want || g.Difference.High < want {
		t.Errorf("difference %+v, want mean %v", g.Difference, want)
	}
	run := layout.At(cfg.OutputDir)
	pictures := map[string][]byte{}
	for _, p := range []string{run.Samples(), run.Interpolations(), run.Traversals(), run.AutoencoderSamples()} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		pictures[p] = b
	}

	// Same seed, same samples: a second run (its classifier from the
	// cache) draws the same pictures and the same distances.
	again, err := Run(context.Background(), cfg, stage.Env{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	if again.Classifier != g.Classifier {
		t.Errorf("the classifier was not reused: %+v then %+v", g.Classifier, again.Classifier)
	}
	if again.Models[0].Quality.All != vae.Quality.All || again.Models[1].Quality.All != plain.Quality.All || again.Models[0].TestNegELBO != vae.TestNegELBO {
		t.Errorf("second run %+v, first %+v", again.Models, g.Models)
	}
	for p, b := range pictures {
		c, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, c) {
			t.Errorf("%s changed on the second run", p)
		}
	}
	if _, err := results.ReadGeneration(run); err != nil {
		t.Error(err)
	}
}

// TestGenerateRefusesABadAutoencoder: a VAE (here the experiment itself),
// a missing folder or one without a checkpoint as generate.autoencoder is
// refused before the generate folder is made (no feature classifier
// trained), naming the key and the path.
func TestGenerateRefusesABadAutoencoder(t *testing.T) {
	splits := testutil.TinySplits(t, 320, 64, 200)
	cfg := vaeExperiment(t, splits)
	// An autoencoder of colour 12x10 images: not this experiment's input.
	colour := t.TempDir()
	o := engine.DefaultOptions()
	o.Spec = model.Spec{Kind: model.KindAE, Input: [3]int{12, 10, 3}, Filters: []int{4, 6}}
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(be, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(e.Images(make([]float32, o.Spec.Values()))); err != nil {
		t.Fatal(err)
	}
	if err := engine.SaveModel(e, layout.At(colour).ModelCheckpoint()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{cfg.OutputDir, "holds a VAE, not a plain autoencoder"},
		{colour, "holds a model of 12x10x3 images"},
		{filepath.Join(t.TempDir(), "gone"), "does not exist"},
		{t.TempDir(), "holds no hourglass checkpoint"},
	} {
		cfg.Generate.Autoencoder = tc.path
		_, err := Run(context.Background(), cfg, stage.Env{Splits: splits})
		if want := "generate.autoencoder: " + tc.path + " " + tc.want; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want one containing %q", err, want)
		}
		if _, err := os.Stat(layout.At(cfg.OutputDir).StageDir(layout.Generate)); !os.IsNotExist(err) {
			t.Errorf("%s: the generate folder exists (%v): the stage started", tc.path, err)
		}
	}
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestGaussianSamples draws from a known 3-value Gaussian: the sample
// mean and covariance come back within a few standard errors (20,000
// draws: standard error about 0.007 x the scale), and the independent
// draws keep the variances but lose the correlations.
func TestGaussianSamples(t *testing.T) {
	cov := mat.NewSymDense(3, []float64{
		4, 1.2, -0.4,
		1.2, 1, 0.1,
		-0.4, 0.1, 0.5,
	})
	g := &gaussian{mean: []float64{1, -2, 0.5}, sd: []float64{2, 1, math.Sqrt(0.5)}}
	if !g.chol.Factorize(cov) {
		t.Fatal("not positive definite")
	}
	const n = 20000
	for _, tc := range []struct {
		name string
		x    []float32
		want func(i, j int) float64
	}{
		{"full", g.sample(n, 7), cov.At},
		{"independent", g.sampleIndependent(n, 7), func(i, j int) float64 {
			if i != j {
				return 0
			}
			return cov.At(i, i)
		}},
	} {
		x := mat.NewDense(n, 3, nil)
		for i, v := range tc.x {
			x.RawMatrix().Data[i] = float64(v)
		}
		s, err := frechet.Of(x)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if math.Abs(s.Mean[i]-g.mean[i]) > 0.06 {
				t.Errorf("%s: mean[%d] %.3f, want %.3f", tc.name, i, s.Mean[i], g.mean[i])
			}
			for j := range 3 {
				if got, want := s.Cov.At(i, j), tc.want(i, j); math.Abs(got-want) > 0.1 {
					t.Errorf("%s: cov[%d][%d] %.3f, want %.3f", tc.name, i, j, got, want)
				}
			}
		}
	}
	if a, b := g.sample(5, 3), g.sample(5, 3); !slices.Equal(a, b) {
		t.Error("the same seed drew different codes")
	}
}
