// Package testutil holds helpers the tests share: the real dataset (tests
// fail, never skip, without it), small cuts of it, a tiny configuration,
// engines, and a briefly trained model saved where the later stages look
// for it. It builds on the model runtime only, so every stage's tests,
// pretrain's included, can use it.
package testutil

import (
	"testing"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
)

// RealSplits loads the real Fashion-MNIST with a 10,000-image validation
// split and, when trainSubset > 0, a seeded sample of that many training
// images.
func RealSplits(t testing.TB, trainSubset int) *data.Splits {
	t.Helper()
	s, err := data.Prepare(config.Data{Validation: 10000, TrainSubset: trainSubset}, data.Grey28, 1, nil)
	if err != nil {
		t.Fatalf("the real Fashion-MNIST is needed for this test (make setup installs it): %v", err)
	}
	return s
}

// TinySplits cuts the first train, val and test images of the real data.
func TinySplits(t testing.TB, train, val, test int) *data.Splits {
	t.Helper()
	s := RealSplits(t, 0)
	return &data.Splits{Source: s.Source, Location: s.Location, Classes: s.Classes, Conversion: s.Conversion,
		Train: s.Train.Slice(0, train), Validation: s.Validation.Slice(0, val), Test: s.Test.Slice(0, test)}
}

// TinyConfig is a configuration writing into a temporary folder, one short
// epoch, two PCA sizes.
func TinyConfig(t testing.TB) *config.Config {
	c := config.Default()
	c.Name = "tiny"
	c.OutputDir = t.TempDir()
	c.Pretrain.Epochs, c.Pretrain.BatchSize, c.Pretrain.Reconstructions = 1, 64, 4
	c.Reduce.PCADims = []int{2, 16}
	c.Generate.QualitySamples, c.Generate.ClassifierEpochs, c.Generate.Samples, c.Generate.Interpolations = 500, 1, 16, 2
	return &c
}

// Engine is an untrained autoencoder on the pure-Go backend.
func Engine(t testing.TB, seed int64) *engine.Engine {
	t.Helper()
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	o := engine.DefaultOptions()
	o.Seed = seed
	e, err := engine.New(be, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Pretrained trains an autoencoder for one pass over splits.Train in
// batches of cfg.Pretrain.BatchSize and saves it as the experiment's model
// checkpoint, where finetune, reduce and the encoder package look for it.
func Pretrained(t testing.TB, cfg *config.Config, splits *data.Splits) {
	t.Helper()
	e := Engine(t, cfg.Seed)
	b := cfg.Pretrain.BatchSize
	for from := 0; from+b <= splits.Train.Len(); from += b {
		if _, err := e.TrainStep(engine.Batch(splits.Train.Slice(from, from+b))); err != nil {
			t.Fatal(err)
		}
	}
	if err := engine.SaveModel(e, layout.At(cfg.OutputDir).ModelCheckpoint()); err != nil {
		t.Fatal(err)
	}
}

// PretrainedExperiment is TinyConfig on TinySplits(train, val, test) with
// a briefly trained model already saved (Pretrained).
func PretrainedExperiment(t testing.TB, train, val, test int) (*config.Config, *data.Splits) {
	t.Helper()
	splits := TinySplits(t, train, val, test)
	cfg := TinyConfig(t)
	Pretrained(t, cfg, splits)
	return cfg, splits
}
