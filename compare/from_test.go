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
	text := func(from string, fromEpochs, epochs int) string {
		r := syntheticExperiment("ae")
		r.Pretrain.From, r.Pretrain.FromEpochs, r.Pretrain.Epochs = from, fromEpochs, epochs
		sec := pretrainSection(r, layout.At(t.TempDir()), func(string, string, string) []block { return nil })
		return renderMarkdown("t", []section{sec})
	}
	for _, c := range []struct {
		from               string
		fromEpochs, epochs int
		want               string // "" for no sentence
	}{
		{"runs/quickstart", 10, 2, "Started from the weights of runs/quickstart (10 epochs there), not random ones, then trained 2 epochs here."},
		{"runs/a/pretrain/checkpoint-last", 1, 0, "Started from the weights of runs/a/pretrain/checkpoint-last (1 epoch there), not random ones, then trained 0 epochs here."},
		{"models/saved", 0, 1, "Started from the weights of models/saved, not random ones, then trained 1 epoch here."},
		{"", 0, 3, ""},
	} {
		got := text(c.from, c.fromEpochs, c.epochs)
		if c.want == "" && strings.Contains(got, "Started from") || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("from %q, %d epochs there, %d here: the section reads\n%s\nwant it to say %q", c.from, c.fromEpochs, c.epochs, got, c.want)
		}
	}
}
