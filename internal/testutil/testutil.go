// Package testutil holds helpers the end-to-end tests share: the real
// dataset (they fail, never skip, without it) and a tiny pretrained
// experiment.
package testutil

import (
	"context"
	"testing"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/pretrain"
)

// RealSplits loads the real Fashion-MNIST with a 10,000-image validation
// split.
func RealSplits(t testing.TB) *data.Splits {
	t.Helper()
	s, err := data.Prepare(config.Data{Validation: 10000}, 1, nil)
	if err != nil {
		t.Fatalf("the real Fashion-MNIST is needed for this test (make setup installs it): %v", err)
	}
	return s
}

// TinySplits cuts a few hundred real images.
func TinySplits(t testing.TB, train, val, test int) *data.Splits {
	s := RealSplits(t)
	return &data.Splits{Location: s.Location, Train: s.Train.Slice(0, train), Validation: s.Validation.Slice(0, val), Test: s.Test.Slice(0, test)}
}

// TinyConfig is a configuration writing into a temporary folder, one short
// epoch, two PCA sizes.
func TinyConfig(t testing.TB) *config.Config {
	c := config.Default()
	c.Name = "tiny"
	c.OutputDir = t.TempDir()
	c.Pretrain.Epochs, c.Pretrain.BatchSize, c.Pretrain.Reconstructions = 1, 64, 4
	c.Reduce.PCADims = []int{2, 16}
	return &c
}

// Pretrained runs pretrain on cfg and splits.
func Pretrained(t testing.TB, cfg *config.Config, splits *data.Splits) {
	t.Helper()
	if _, err := pretrain.Run(context.Background(), cfg, pretrain.Options{Splits: splits}); err != nil {
		t.Fatal(err)
	}
}
