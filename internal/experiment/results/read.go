package results

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
)

// ReadJSON reads one JSON file into v; a missing file's error satisfies
// os.IsNotExist, a corrupt one names the file.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s is corrupt: %w (rerun the stage that wrote it)", path, err)
	}
	return nil
}

// ReadPretraining reads pretrain/summary.json.
func ReadPretraining(r layout.Run) (*Pretraining, error) {
	var s Pretraining
	return &s, ReadJSON(r.PretrainSummary(), &s)
}

// ReadHistory reads pretrain/metrics.json.
func ReadHistory(r layout.Run) ([]EpochMetrics, error) {
	var h []EpochMetrics
	return h, ReadJSON(r.MetricsJSON(), &h)
}

// ReadTransfer reads finetune/results.json.
func ReadTransfer(r layout.Run) (*Transfer, error) {
	var t Transfer
	return &t, ReadJSON(r.FinetuneResultsJSON(), &t)
}

// ReadReduction reads reduce/reduce.json.
func ReadReduction(r layout.Run) (*Reduction, error) {
	var red Reduction
	return &red, ReadJSON(r.ReduceJSON(), &red)
}

// ReadComparison reads results.json.
func ReadComparison(r layout.Run) (*Comparison, error) {
	var c Comparison
	return &c, ReadJSON(r.ResultsJSON(), &c)
}

// ReadGeneration reads generate/generate.json.
func ReadGeneration(r layout.Run) (*Generation, error) {
	var g Generation
	return &g, ReadJSON(r.GenerateJSON(), &g)
}
