package finetune

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/engine"
	"github.com/hourglass-ml/hourglass/internal/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/hooks"
	"github.com/hourglass-ml/hourglass/layout"
	"github.com/hourglass-ml/hourglass/results"
	"github.com/hourglass-ml/hourglass/stage"
)

// ErrInterrupted is returned when ctx is cancelled: the classifiers
// finished so far are saved and running again trains only the rest.
var ErrInterrupted = engine.ErrInterrupted

func settings(cfg *config.Config, ckpt string) any {
	f := cfg.Finetune
	f.Seeds = 0 // more seeds extend a run
	return struct {
		Seed     int64
		Data     config.Data
		Finetune config.Finetune
		Ckpt     string
	}{cfg.Seed, cfg.Data, f, ckpt}
}

// Run trains every (labels per class, seed, method) classifier and writes
// results.csv/json, summary.md, label_efficiency.png and confusion_best.png.
// Finished classifiers are saved as they complete; an interrupted run skips
// them when run again with the same settings.
func Run(ctx context.Context, cfg *config.Config, env stage.Env) (*results.Transfer, error) {
	p, err := stage.Prepare(layout.Finetune, cfg, env, stage.Options{Backend: true, Model: true})
	if err != nil {
		return nil, err
	}
	defer p.Release()
	enc, err := encoder.Load(p.Model)
	if err != nil {
		return nil, err
	}
	run := p.Run
	res := &results.Transfer{Checkpoint: p.Model, Settings: settings(cfg, p.Model)}
	var prev results.Transfer
	if results.ReadJSON(run.FinetuneResultsJSON(), &prev) == nil && sameSettings(prev.Settings, res.Settings) {
		res.Runs = prev.Runs
	}
	done := map[string]bool{}
	for _, r := range res.Runs {
		done[runKey(r.Method, r.LabelsPerClass, r.Seed)] = true
	}
	logged := map[config.Method]bool{}
	for _, n := range cfg.Finetune.LabelsPerClass {
		for s := 0; s < cfg.Finetune.Seeds; s++ {
			seed := cfg.Seed*1000 + int64(s)
			labelled, err := p.Splits.Train.PerClass(int(n), seed)
			if err != nil {
				return nil, fmt.Errorf("finetune.labels_per_class %s: %w", n, err)
			}
			tr, held := splitHeldOut(labelled, cfg.Finetune.HeldOut)
			for _, m := range cfg.Finetune.Methods {
				if done[runKey(m, n, seed)] {
					continue
				}
				j := &job{method: m, n: n, seed: seed, train: tr, heldOut: held}
				r, t, err := runJob(ctx, p.Backend, cfg.Finetune, j, enc, p.Splits.Test, p.Log, !logged[m])
				if errors.Is(err, engine.ErrInterrupted) {
					return nil, fmt.Errorf("finetune %w; %d classifiers saved in %s: run again to continue", ErrInterrupted, len(res.Runs), p.Dir)
				}
				if err != nil {
					return nil, fmt.Errorf("finetune %s, %s labels per class, seed %d: %w", m, n, seed, err)
				}
				logged[m] = true
				fmt.Fprintf(p.Log, "%-8s %5s labels/class seed %d: test accuracy %.2f%%, macro-F1 %.3f (%d epochs, best %d, %.0fs)\n",
					m, n, seed, 100*r.TestAccuracy, r.MacroF1, r.Epochs, r.BestEpoch, r.Seconds)
				hooks.Finished(ctx, hooks.Classifier{Method: string(m), LabelsPerClass: int(n), Seed: seed, TrainImages: r.TrainImages,
					HeldOutImages: r.HeldOutImages, TestAccuracy: r.TestAccuracy, Weight: t.weight})
				res.Runs = append(res.Runs, *r)
				if err := writeResults(run, res); err != nil {
					return nil, err
				}
			}
		}
	}
	res.Summary = summarize(res.Runs, cfg.Finetune)
	if err := writeResults(run, res); err != nil {
		return nil, err
	}
	if err := writeSummaryMarkdown(run.FinetuneSummary(), res.Summary); err != nil {
		return nil, err
	}
	if err := writeEfficiencyPlot(run.EfficiencyPlot(), res.Summary, p.Splits.Train.Len()); err != nil {
		return nil, err
	}
	if best := bestRun(res.Runs); best != nil {
		title := fmt.Sprintf("%s, %s labels/class, seed %d: %.2f%%", best.Method, best.LabelsPerClass, best.Seed, 100*best.TestAccuracy)
		if err := writeConfusionPlot(run.ConfusionPlot(), best.Confusion, title); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Stage is transfer learning as a pipeline stage.
var Stage = stage.Define(layout.Finetune, []string{layout.Pretrain},
	func(cfg *config.Config) any { return cfg.Finetune }, Run)

func bestRun(runs []results.TransferRun) *results.TransferRun {
	var best *results.TransferRun
	for i := range runs {
		if best == nil || runs[i].TestAccuracy > best.TestAccuracy {
			best = &runs[i]
		}
	}
	return best
}

func runKey(m config.Method, n config.LabelCount, seed int64) string {
	return fmt.Sprintf("%s/%d/%d", m, n, seed)
}

func sameSettings(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var x, y any
	json.Unmarshal(ja, &x)
	json.Unmarshal(jb, &y)
	return reflect.DeepEqual(x, y)
}

// summarize averages the runs per method and label count, in config order.
func summarize(runs []results.TransferRun, cfg config.Finetune) []results.TransferRow {
	var rows []results.TransferRow
	for _, n := range cfg.LabelsPerClass {
		for _, m := range cfg.Methods {
			var accs, f1s []float64
			for _, r := range runs {
				if r.Method == m && r.LabelsPerClass == n {
					accs = append(accs, r.TestAccuracy)
					f1s = append(f1s, r.MacroF1)
				}
			}
			if len(accs) == 0 {
				continue
			}
			mean, std := meanStd(accs)
			mf1, _ := meanStd(f1s)
			rows = append(rows, results.TransferRow{Method: m, LabelsPerClass: n, Runs: len(accs), MeanAccuracy: mean, StdAccuracy: std, MeanMacroF1: mf1})
		}
	}
	return rows
}

// meanStd returns the mean and the sample standard deviation (0 for one
// value).
func meanStd(xs []float64) (float64, float64) {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	if len(xs) < 2 {
		return m, 0
	}
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, math.Sqrt(v / float64(len(xs)-1))
}

func writeResults(run layout.Run, res *results.Transfer) error {
	if err := atomicfile.WriteJSON(run.FinetuneResultsJSON(), res); err != nil {
		return err
	}
	return atomicfile.Write(run.FinetuneResultsCSV(), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"method", "labels_per_class", "seed", "test_accuracy", "macro_f1", "epochs", "best_epoch", "seconds"})
		for _, r := range res.Runs {
			cw.Write([]string{string(r.Method), r.LabelsPerClass.String(), strconv.FormatInt(r.Seed, 10), ftoa(r.TestAccuracy), ftoa(r.MacroF1),
				strconv.Itoa(r.Epochs), strconv.Itoa(r.BestEpoch), ftoa(r.Seconds)})
		}
		cw.Flush()
		return cw.Error()
	})
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// writeSummaryMarkdown writes the mean +- std table.
func writeSummaryMarkdown(path string, rows []results.TransferRow) error {
	var b strings.Builder
	b.WriteString("| method | labels per class | runs | test accuracy (mean ± std) | macro-F1 |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %d | %.2f%% ± %.2f | %.3f |\n", r.Method, r.LabelsPerClass, r.Runs, 100*r.MeanAccuracy, 100*r.StdAccuracy, r.MeanMacroF1)
	}
	return atomicfile.WriteBytes(path, []byte(b.String()))
}
