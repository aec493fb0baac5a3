package pretrain

import (
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// TestTrainName: the loss plot calls the train line plain "train" unless
// a VAE's train loss weighed its KL term by other than 1 in some epoch,
// when it is not the negative ELBO the validation lines show (the
// weights are pretrain.klWeight's: beta, reached over kl_warmup epochs).
func TestTrainName(t *testing.T) {
	epochs := func(w ...float64) []results.EpochMetrics {
		h := make([]results.EpochMetrics, len(w))
		for i := range w {
			h[i] = results.EpochMetrics{Epoch: i + 1, KLWeight: w[i]}
		}
		return h
	}
	for _, c := range []struct {
		name string
		h    []results.EpochMetrics
		vae  bool
		want string
	}{
		{"autoencoder", epochs(0, 0), false, "train"},
		{"VAE, beta 1, no warm-up", epochs(1, 1, 1), true, "train"},
		{"VAE, warm-up over two epochs", epochs(0.5, 1, 1), true, "train (KL term weighted as trained)"},
		{"VAE, beta 4", epochs(4, 4), true, "train (KL term weighted as trained)"},
	} {
		if got := trainName(c.h, c.vae); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
