package pipeline

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// The sweep report's files, in the sweep's folder.
const (
	SweepMarkdown = "sweep.md"
	SweepJSON     = "sweep.json"
	SweepCSV      = "sweep.csv"
)

// Run states in the sweep report.
const (
	StatusDone    = "done"
	StatusFailed  = "failed"
	StatusMissing = "missing" // not run yet, or interrupted
)

// Figure names: a column of sweep.csv and a key of a run's figures.
const (
	FigureTestMSE = "test_mse" // pretraining's test reconstruction MSE
)

// KNNFigure is the kNN accuracy of a representation (results.Rep.Name()).
func KNNFigure(rep string) string { return "knn:" + rep }

// TransferFigure is the mean test accuracy over finetune's seeds of a
// method at a label count ("transfer:frozen@10"), with the encoder blocks
// it took where finetune.blocks is set ("transfer:frozen/2@10").
func TransferFigure(m config.Method, blocks int, n config.LabelCount) string {
	if blocks > 0 {
		return fmt.Sprintf("transfer:%s/%d@%s", m, blocks, n)
	}
	return "transfer:" + string(m) + "@" + n.String()
}

// SecondsFigure is the time a stage took to compute (where it was
// computed, for a reused stage).
func SecondsFigure(stage string) string { return "seconds:" + stage }

// SweepReport is sweep.json: every run's figures and every variant's
// means and intervals over its seeds.
type SweepReport struct {
	Name  string      `json:"name"`
	Axes  []SweepAxis `json:"axes"`
	Seeds int         `json:"seeds"`
	// Figures are the columns of the runs' figures, in report order.
	Figures  []string       `json:"figures"`
	Runs     []SweepRunRow  `json:"runs"`
	Variants []SweepVariant `json:"variants"`
	// ComputeSeconds adds the stages computed in the sweep, each once
	// (reused ones cost nothing); Reused counts the reused stages.
	ComputeSeconds float64  `json:"compute_seconds"`
	Computed       int      `json:"stages_computed"`
	Reused         int      `json:"stages_reused"`
	Conclusions    []string `json:"conclusions"`
	// Best is every figure's best variant (the times' too), as the
	// summary gives it.
	Best []SweepBest `json:"best"`
}

// SweepBest is a figure's best variant by its mean and the verdict of its
// test against the runner-up (conclude).
type SweepBest struct {
	Figure   string  `json:"figure"`
	Variant  string  `json:"variant"` // its swept values, key=value,...
	Mean     float64 `json:"mean"`
	RunnerUp string  `json:"runner_up,omitempty"`
	// Verdict is "distinguishable", "not distinguishable", "too few
	// seeds" or "only variant".
	Verdict string `json:"verdict"`
}

// SweepAxis is one swept key and its values, as written.
type SweepAxis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// SweepRunRow is one run.
type SweepRunRow struct {
	Index   int                `json:"index"`
	Name    string             `json:"name"` // its folder
	Values  []string           `json:"values"`
	Seed    int64              `json:"seed"`
	Status  string             `json:"status"`
	Error   string             `json:"error,omitempty"`
	Reused  map[string]string  `json:"reused,omitempty"` // stage -> the run folder it came from
	Figures map[string]float64 `json:"figures,omitempty"`
	// SameSize are the run's tests of its learned codes against PCA of
	// the same size.
	SameSize []SameSize `json:"same_size,omitempty"`
	variant  int
	order    []string // Figures' keys in the order the run's files give them
	paired   pairing  // what one-seed tests pair on (conclude)
}

// SweepVariant is one grid point: its runs' figures over the seeds.
type SweepVariant struct {
	Values   []string                 `json:"values"`
	Runs     []int                    `json:"runs"`     // every run of the point
	Finished int                      `json:"finished"` // runs done
	Figures  map[string]FigureSummary `json:"figures"`
}

// FigureSummary is a figure's mean over a variant's finished runs and its
// 95% Student-t interval (absent with fewer than two).
type FigureSummary struct {
	N      int       `json:"n"`
	Mean   float64   `json:"mean"`
	Low    *float64  `json:"ci95_low,omitempty"`
	High   *float64  `json:"ci95_high,omitempty"`
	Values []float64 `json:"values"` // per run, in run order
}

// Gather reads every run's outputs into the sweep report: a run is done
// when its comparison (results.json) is; one with a FailedFile failed;
// any other is missing. Nothing is computed.
func Gather(plan *config.Plan) (*SweepReport, error) {
	var axes []SweepAxis
	for _, a := range plan.Axes {
		vals := make([]string, len(a.Values))
		for i, v := range a.Values {
			vals[i] = config.FormatValue(v)
		}
		axes = append(axes, SweepAxis{Key: a.Key, Values: vals})
	}
	var rows []SweepRunRow
	for _, r := range plan.Runs {
		row, err := gatherRun(r, plan)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return newSweepReport(plan.Base.Name, axes, plan.Seeds, rows), nil
}

// newSweepReport builds the report from its runs, in run order: the
// variants (the runs with the same values of every swept key but the
// seed, in the order of their first run), their figures' means and
// intervals, the stages' times and the conclusions.
func newSweepReport(name string, axes []SweepAxis, seeds int, rows []SweepRunRow) *SweepReport {
	rep := &SweepReport{Name: name, Axes: axes, Seeds: seeds}
	points := map[string]int{}
	for _, row := range rows {
		var parts []string
		for i, a := range axes {
			if a.Key != "seed" {
				parts = append(parts, a.Key+"="+row.Values[i])
			}
		}
		p := strings.Join(parts, ",")
		if _, ok := points[p]; !ok {
			points[p] = len(rep.Variants)
			rep.Variants = append(rep.Variants, SweepVariant{Values: slices.Clone(row.Values), Figures: map[string]FigureSummary{}})
		}
		row.variant = points[p]
		v := &rep.Variants[row.variant]
		v.Runs = append(v.Runs, len(rep.Runs))
		if row.Status == StatusDone {
			v.Finished++
		}
		order := row.order
		if order == nil {
			order = slices.Sorted(maps.Keys(row.Figures))
		}
		for _, f := range order {
			if !slices.Contains(rep.Figures, f) {
				rep.Figures = append(rep.Figures, f)
			}
		}
		rep.Runs = append(rep.Runs, row)
	}
	slices.SortStableFunc(rep.Figures, func(a, b string) int { return figureRank(a) - figureRank(b) })
	for vi := range rep.Variants {
		v := &rep.Variants[vi]
		for _, f := range rep.Figures {
			var xs []float64
			for _, i := range v.Runs {
				if x, ok := rep.Runs[i].Figures[f]; ok && rep.Runs[i].Status == StatusDone {
					xs = append(xs, x)
				}
			}
			if len(xs) > 0 {
				v.Figures[f] = summarise(xs)
			}
		}
	}
	for _, row := range rep.Runs {
		if row.Status != StatusDone {
			continue
		}
		for _, name := range Names() {
			if _, ok := row.Reused[name]; ok {
				rep.Reused++
			} else if secs, ok := row.Figures[SecondsFigure(name)]; ok {
				rep.ComputeSeconds += secs
				rep.Computed++
			}
		}
	}
	rep.conclude()
	rep.Conclusions = append(rep.Conclusions, rep.sameSizeConclusions()...)
	return rep
}

// figureRank orders the figures: MSE, kNN, transfer, seconds.
func figureRank(f string) int {
	for i, p := range []string{FigureTestMSE, "knn:", "transfer:", "seconds:"} {
		if strings.HasPrefix(f, p) {
			return i
		}
	}
	return 4
}

func summarise(xs []float64) FigureSummary {
	iv := stats.MeanInterval(xs, 0.95)
	s := FigureSummary{N: iv.N, Mean: iv.Mean, Values: xs}
	if iv.N >= 2 {
		lo, hi := iv.Lo, iv.Hi
		s.Low, s.High = &lo, &hi
	}
	return s
}

// gatherRun reads one run's status, records and figures.
func gatherRun(r config.SweepRun, plan *config.Plan) (SweepRunRow, error) {
	row := SweepRunRow{Index: r.Index, Name: r.Name, Seed: r.Seed, Status: StatusMissing}
	for _, v := range r.Values {
		row.Values = append(row.Values, config.FormatValue(v))
	}
	run := layout.At(r.Config.OutputDir)
	var f Failure
	if err := results.ReadJSON(filepath.Join(run.Root, FailedFile), &f); err == nil {
		row.Status, row.Error = StatusFailed, f.Error
	} else if !errors.Is(err, os.ErrNotExist) {
		return row, err
	}
	if _, ok := readRecord(run.Done(layout.Compare)); !ok {
		return row, nil
	}
	cmp, err := results.ReadComparison(run)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return row, nil
		}
		return row, fmt.Errorf("sweep run %s: %w", r.Name, err)
	}
	row.Status, row.Error = StatusDone, ""
	row.Figures = map[string]float64{}
	put := func(f string, x float64) {
		if !math.IsNaN(x) && !math.IsInf(x, 0) { // JSON holds neither; the table shows the gap
			row.Figures[f] = x
			row.order = append(row.order, f)
		}
	}
	if p, err := results.ReadPretraining(run); err == nil {
		put(FigureTestMSE, p.TestMSE)
	} else if !errors.Is(err, os.ErrNotExist) {
		return row, fmt.Errorf("sweep run %s: %w", r.Name, err)
	}
	for _, k := range cmp.KNN {
		put(KNNFigure(k.Representation), k.Accuracy)
	}
	row.SameSize = sameSizeTests(cmp)
	if err := row.paired.readQueries(run, cmp); err != nil {
		return row, fmt.Errorf("sweep run %s: %w", r.Name, err)
	}
	if tr, err := results.ReadTransfer(run); err == nil {
		for _, s := range tr.Summary {
			put(TransferFigure(s.Method, s.Blocks, s.LabelsPerClass), s.MeanAccuracy)
		}
		row.paired.readFinetuneSeeds(tr)
	} else if !errors.Is(err, os.ErrNotExist) {
		return row, fmt.Errorf("sweep run %s: %w", r.Name, err)
	}
	for _, name := range Names() {
		rec, ok := readRecord(run.Done(name))
		if !ok {
			continue
		}
		put(SecondsFigure(name), rec.Seconds)
		if rec.ReusedFrom != "" {
			if row.Reused == nil {
				row.Reused = map[string]string{}
			}
			rel, err := filepath.Rel(plan.Dir(), rec.ReusedFrom)
			if err != nil {
				rel = rec.ReusedFrom
			}
			row.Reused[name] = filepath.ToSlash(rel)
		}
	}
	return row, nil
}
