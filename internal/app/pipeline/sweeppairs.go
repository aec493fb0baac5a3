package pipeline

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// pairing is what a run's figures can be paired on when the sweep has one
// seed: each representation's kNN predictions on the test queries (with
// their true labels), and each transfer figure's accuracy per finetune
// seed.
type pairing struct {
	truth   []int
	predict map[string][]int             // kNN figure -> prediction per query
	seeds   map[string]map[int64]float64 // transfer figure -> finetune seed -> accuracy
}

// readQueries keeps the run's kNN predictions and the queries' labels
// (the first Queries of reduce's test labels, as compare took them). A run
// whose labels file is gone keeps none: its figures are then tested over
// seeds only.
func (p *pairing) readQueries(run layout.Run, cmp *results.Comparison) error {
	labels, err := codes.ReadLabels(run.Labels(layout.TestSplit))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if cmp.Queries > len(labels) {
		return nil
	}
	p.truth = labels[:cmp.Queries]
	p.predict = map[string][]int{}
	for _, k := range cmp.KNN {
		if len(k.Predictions) == cmp.Queries {
			p.predict[KNNFigure(k.Representation)] = k.Predictions
		}
	}
	return nil
}

// readFinetuneSeeds keeps every transfer figure's accuracy per finetune
// seed.
func (p *pairing) readFinetuneSeeds(tr *results.Transfer) {
	p.seeds = map[string]map[int64]float64{}
	for _, r := range tr.Runs {
		f := TransferFigure(r.Method, r.Blocks, r.LabelsPerClass)
		if p.seeds[f] == nil {
			p.seeds[f] = map[int64]float64{}
		}
		p.seeds[f][r.Seed] = r.TestAccuracy
	}
}

// oneSeedTest tests figure f of run a against run b when the sweep gives
// too few seeds to pair: McNemar's exact test on the same test queries
// for a kNN figure (the same labels in the same order), or a paired
// interval over the finetune seeds both ran for a transfer figure. ok is
// false when neither applies.
func oneSeedTest(f string, a, b *SweepRunRow) (distinguishable bool, detail string, ok bool) {
	pa, pb := a.paired.predict[f], b.paired.predict[f]
	if pa != nil && pb != nil && slices.Equal(a.paired.truth, b.paired.truth) {
		var onlyA, onlyB int
		for q, y := range a.paired.truth {
			ra, rb := pa[q] == y, pb[q] == y
			switch {
			case ra && !rb:
				onlyA++
			case rb && !ra:
				onlyB++
			}
		}
		p := stats.McNemar(onlyA, onlyB)
		return p < 0.05, fmt.Sprintf("McNemar's exact test on the same %d test queries, %d against %d classified right by only one, p %s",
			len(a.paired.truth), onlyA, onlyB, formatP(p)), true
	}
	sa, sb := a.paired.seeds[f], b.paired.seeds[f]
	var diffs []float64
	for _, s := range sortedSeeds(sa) {
		if y, ok := sb[s]; ok {
			diffs = append(diffs, sa[s]-y)
		}
	}
	if len(diffs) < 2 {
		return false, "", false
	}
	iv := stats.MeanInterval(diffs, 0.95)
	return iv.Excludes(0), fmt.Sprintf("difference %s, 95%% interval %s to %s over %d paired finetune seeds",
		formatDiff(f, iv.Mean), formatDiff(f, iv.Lo), formatDiff(f, iv.Hi), len(diffs)), true
}

func sortedSeeds(m map[int64]float64) []int64 {
	var s []int64
	for k := range m {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// formatP writes a p-value: three significant digits, "< 1e-300" at the
// floor of float64.
func formatP(p float64) string {
	if p < 1e-300 {
		return "< 1e-300"
	}
	return fmt.Sprintf("%.3g", p)
}
