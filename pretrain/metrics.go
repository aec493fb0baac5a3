package pretrain

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

func writeMetrics(csvPath, jsonPath string, h []results.EpochMetrics) error {
	err := atomicfile.Write(csvPath, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(results.MetricsColumns)
		for _, m := range h {
			cw.Write([]string{strconv.Itoa(m.Epoch), ftoa(m.TrainLoss), ftoa(m.ValLoss), ftoa(m.Seconds), ftoa(m.LearningRate),
				ftoa(m.ValRecon), ftoa(m.ValKL), ftoa(m.KLWeight)})
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return err
	}
	return atomicfile.WriteJSON(jsonPath, h)
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', 8, 64) }
