package compare

import (
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
)

// TestPretrainingFrom: the pretraining section says where the weights
// came from when pretrain.from was set (with the epochs there where the
// source's checkpoint said), and says nothing of it otherwise.
func TestPretrainingFrom(t *testing.T) {
	text := func(from, data string, fromEpochs, epochs int) string {
		r := syntheticExperiment("ae")
		r.Pretrain.From, r.Pretrain.FromData, r.Pretrain.FromEpochs, r.Pretrain.Epochs = from, data, fromEpochs, epochs
		sec := pretrainSection(r, layout.At(t.TempDir()), func(string, string, string) []block { return nil })
		return renderMarkdown("t", []section{sec})
	}
	for _, c := range []struct {
		from, data         string
		fromEpochs, epochs int
		want               string // "" for no sentence
	}{
		{"runs/quickstart", "", 10, 2, "Started from the weights of runs/quickstart (trained 10 epochs there), not random ones, then trained 2 epochs here."},
		{"runs/a/pretrain/checkpoint-last", "fashion-mnist, classes Sandal, Bag", 1, 0,
			"The encoder is the model of runs/a/pretrain/checkpoint-last (trained 1 epoch on fashion-mnist, classes Sandal, Bag there), taken as it is (pretrain.epochs 0): nothing was trained on this experiment's images."},
		{"models/saved", "", 0, 1, "Started from the weights of models/saved, not random ones, then trained 1 epoch here."},
		{"", "", 0, 3, ""},
	} {
		got := text(c.from, c.data, c.fromEpochs, c.epochs)
		if c.want == "" && (strings.Contains(got, "Started from") || strings.Contains(got, "model of")) || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("from %q, %d epochs there, %d here: the section reads\n%s\nwant it to say %q", c.from, c.fromEpochs, c.epochs, got, c.want)
		}
	}
}

// TestPretrainSummaryFrom: the summary's sentence on the model says where
// it came from, and whether it was trained more here.
func TestPretrainSummaryFrom(t *testing.T) {
	for _, c := range []struct {
		from   string
		epochs int
		want   string
	}{
		{"", 3, "The autoencoder trained 3 epochs to a test reconstruction MSE of 0.02050."},
		{"runs/src", 0, "The autoencoder, taken as it is from runs/src, reaches a test reconstruction MSE of 0.02050."},
		{"runs/src", 2, "The autoencoder, trained 2 epochs more from runs/src, reaches a test reconstruction MSE of 0.02050."},
	} {
		r := syntheticExperiment("ae")
		r.Pretrain.From, r.Pretrain.Epochs, r.Pretrain.TestMSE = c.from, c.epochs, 0.0205
		if got := pretrainSummary(r.Pretrain); got != c.want {
			t.Errorf("from %q, %d epochs: %q, want %q", c.from, c.epochs, got, c.want)
		}
	}
}
