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

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/stage"
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
		// What made the checkpoint: a model or pretraining changed under the
		// same path makes every earlier classifier stale.
		Model    config.Model
		Pretrain config.Pretrain
	}{cfg.Seed, cfg.Data, f, ckpt, cfg.Model, cfg.Pretrain}
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
	if got, want := enc.Spec(), cfg.Spec(); got.Input != want.Input {
		return nil, fmt.Errorf("finetune: the pretrained model in %s takes %dx%dx%d images (%s), but the data are converted to model.input %v (%s): set the model section as pretraining had it, or pretrain again",
			enc.Source(), got.Input[0], got.Input[1], got.Input[2], got, cfg.Model.Input, want)
	}
	run := p.Run
	res := &results.Transfer{Checkpoint: p.Model, Settings: settings(cfg, p.Model)}
	var prev results.Transfer
	if results.ReadJSON(run.FinetuneResultsJSON(), &prev) == nil {
		same, err := sameSettings(prev.Settings, res.Settings)
		if err != nil {
			return nil, fmt.Errorf("finetune: comparing the settings with %s's: %w", run.FinetuneResultsJSON(), err)
		}
		if same {
			res.Runs = prev.Runs
		}
	}
	done := map[string]bool{}
	for _, r := range res.Runs {
		done[runKey(armOf(r), r.LabelsPerClass, r.Seed)] = true
	}
	logged := map[config.Method]bool{}
	depth := enc.Depth()
	train, test := p.Splits.Train, p.Splits.Test
	images, testImages := imageFeats(train), imageFeats(test)
	var testCodes feats // the test images' codes, encoded once for every frozen run
	subsets := map[string]Subset{}
	for _, n := range cfg.Finetune.LabelsPerClass {
		for s := 0; s < cfg.Finetune.Seeds; s++ {
			seed := cfg.Seed*1000 + int64(s)
			labelled, err := train.PerClassIndices(drawCount(n), seed, p.Splits.Classes)
			if err != nil {
				return nil, fmt.Errorf("finetune.labels_per_class %s: %w", n, err)
			}
			tr, held := splitHeldOut(labelled, train.Labels, p.Splits.NumClasses(), cfg.Finetune.HeldOut)
			subsets[subsetKey(n, seed)] = Subset{LabelsPerClass: n, Seed: seed, Train: tr, HeldOut: held}
			var codes feats // the subset's codes, for the frozen runs
			for _, a := range arms(cfg.Finetune) {
				m := a.method
				if done[runKey(a, n, seed)] {
					continue
				}
				j := &job{method: m, blocks: a.blocks, recorded: a.blocks, n: n, seed: seed, trainIdx: tr, heldIdx: held, classes: p.Splits.NumClasses(),
					train: images.subset(tr), heldOut: images.subset(held), labels: subsetLabels(train.Labels, tr), heldLabs: subsetLabels(train.Labels, held)}
				if j.blocks == 0 {
					j.blocks = depth
				}
				jobTest := testImages
				if m == config.Frozen && j.blocks == depth { // the whole encoder fixed: train the head on cached codes
					if testCodes.data == nil {
						if testCodes, err = encodeAll(enc, p.Backend, testImages); err != nil {
							return nil, err
						}
					}
					if codes.data == nil {
						if codes, err = encodeAll(enc, p.Backend, images.subset(append(append([]int(nil), tr...), held...))); err != nil {
							return nil, err
						}
					}
					j.train, j.heldOut = codes.subset(seq(0, len(tr))), codes.subset(seq(len(tr), len(tr)+len(held)))
					jobTest = testCodes
				}
				r, t, err := runJob(ctx, p.Backend, cfg.Finetune, j, enc, jobTest, test.Labels, p.Log, !logged[m])
				if errors.Is(err, engine.ErrInterrupted) {
					return nil, fmt.Errorf("finetune %w; %d classifiers saved in %s: run again to continue", ErrInterrupted, len(res.Runs), p.Dir)
				}
				if err != nil {
					return nil, fmt.Errorf("finetune %s, %s labels per class, seed %d: %w", a, n, seed, err)
				}
				logged[m] = true
				fmt.Fprintf(p.Log, "%-8s %5s labels/class seed %d: test accuracy %.2f%%, macro-F1 %.3f (%d epochs, best %d, %.0fs)\n",
					a, n, seed, 100*r.TestAccuracy, r.MacroF1, r.Epochs, r.BestEpoch, r.Seconds)
				hooks.Finished(ctx, hooks.Classifier{Method: string(m), Blocks: a.blocks, LabelsPerClass: int(n), Seed: seed, TrainImages: r.TrainImages,
					HeldOutImages: r.HeldOutImages, TestAccuracy: r.TestAccuracy, Weight: t.weight})
				res.Runs = append(res.Runs, *r)
				if err := writeResults(run, res); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := atomicfile.WriteJSON(run.FinetuneSubsets(), subsets); err != nil {
		return nil, err
	}
	res.Summary = summarize(res.Runs, cfg.Finetune)
	res.Differences = differences(res.Runs, cfg.Finetune)
	if err := writeResults(run, res); err != nil {
		return nil, err
	}
	if err := writeSummaryMarkdown(run.FinetuneSummary(), res.Summary, res.Differences); err != nil {
		return nil, err
	}
	if err := writeEfficiencyPlot(run.EfficiencyPlot(), res.Summary, p.Splits.Train.Len(), p.Splits.NumClasses()); err != nil {
		return nil, err
	}
	if len(cfg.Finetune.Blocks) > 0 {
		if err := writeBlocksPlot(run.BlocksPlot(), res.Summary); err != nil {
			return nil, err
		}
	}
	if best := bestRun(res.Runs); best != nil {
		title := fmt.Sprintf("%s, %s labels/class, seed %d: %.2f%%", best.Method, best.LabelsPerClass, best.Seed, 100*best.TestAccuracy)
		if err := writeConfusionPlot(run.ConfusionPlot(), best.Confusion, data.ShortNames(p.Splits.Classes), title); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Stage is transfer learning as a pipeline stage.
var Stage = stage.Define(layout.Finetune, []string{layout.Pretrain},
	func(cfg *config.Config) any { return cfg.Finetune }, nil, Run)

func bestRun(runs []results.TransferRun) *results.TransferRun {
	var best *results.TransferRun
	for i := range runs {
		if best == nil || runs[i].TestAccuracy > best.TestAccuracy {
			best = &runs[i]
		}
	}
	return best
}

// Subset is one labelled draw, as indices into the training split (the
// first 60,000 - data.validation training images, or data.train_subset's
// sample): finetune/subsets.json holds them, so a peer implementation can
// train on the very same images.
type Subset struct {
	LabelsPerClass config.LabelCount `json:"labels_per_class"`
	Seed           int64             `json:"seed"`
	Train          []int             `json:"train"`
	HeldOut        []int             `json:"held_out"`
}

// drawCount is n as data's per-class draws take it, where 0 draws every
// image.
func drawCount(n config.LabelCount) int {
	if n == config.AllLabels {
		return 0
	}
	return int(n)
}

func subsetKey(n config.LabelCount, seed int64) string { return fmt.Sprintf("%s/%d", n, seed) }

func subsetLabels(labels, idx []int) []int {
	out := make([]int, len(idx))
	for i, j := range idx {
		out[i] = labels[j]
	}
	return out
}

// seq is from, from+1, ..., to-1.
func seq(from, to int) []int {
	out := make([]int, to-from)
	for i := range out {
		out[i] = from + i
	}
	return out
}

// encodeAll encodes images with the frozen encoder, in batches.
func encodeAll(enc *encoder.Encoder, be backends.Backend, images feats) (feats, error) {
	n := images.len()
	out := feats{make([]float32, 0, n*enc.CodeSize()), enc.CodeSize(), data.Shape{}}
	for from := 0; from < n; from += 1000 {
		to := min(from+1000, n)
		c, err := enc.EncodeWith(be, images.slice(from, to))
		if err != nil {
			return feats{}, err
		}
		out.data = append(out.data, tensors.MustCopyFlatData[float32](c)...)
	}
	return out, nil
}

// runKey names a classifier: method, blocks (when finetune.blocks is
// set), label count and seed.
func runKey(a arm, n config.LabelCount, seed int64) string {
	if a.blocks == 0 {
		return fmt.Sprintf("%s/%d/%d", a.method, n, seed)
	}
	return fmt.Sprintf("%s/b%d/%d/%d", a.method, a.blocks, n, seed)
}

// arm is one kind of classifier: a method, and the encoder blocks it takes
// from the pretrained model as results record them (0: every block, or
// scratch).
type arm struct {
	method config.Method
	blocks int
}

// arms are the configured classifiers, in config order: each method, and
// for frozen and unfrozen each of finetune.blocks.
func arms(cfg config.Finetune) []arm {
	var out []arm
	for _, m := range cfg.Methods {
		if m == config.Scratch || len(cfg.Blocks) == 0 {
			out = append(out, arm{m, 0})
			continue
		}
		for _, b := range cfg.Blocks {
			out = append(out, arm{m, b})
		}
	}
	return out
}

func armOf(r results.TransferRun) arm { return arm{r.Method, r.Blocks} }

// String is the method, with its blocks when finetune.blocks is set:
// "frozen/2".
func (a arm) String() string {
	if a.blocks == 0 {
		return string(a.method)
	}
	return fmt.Sprintf("%s/%d", a.method, a.blocks)
}

// sameSettings reports whether a and b read back from JSON equal, so that
// settings read from a results file compare with freshly made ones. Its
// error is a value JSON cannot hold (an infinite float in the config).
func sameSettings(a, b any) (bool, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	var x, y any
	if err := json.Unmarshal(ja, &x); err != nil {
		return false, err
	}
	if err := json.Unmarshal(jb, &y); err != nil {
		return false, err
	}
	return reflect.DeepEqual(x, y), nil
}

// summarize averages the runs per method and label count, in config order,
// with 95% intervals of the means.
func summarize(runs []results.TransferRun, cfg config.Finetune) []results.TransferRow {
	var rows []results.TransferRow
	for _, n := range cfg.LabelsPerClass {
		for _, a := range arms(cfg) {
			var accs, f1s []float64
			for _, r := range runs {
				if armOf(r) == a && r.LabelsPerClass == n {
					accs = append(accs, r.TestAccuracy)
					f1s = append(f1s, r.MacroF1)
				}
			}
			if len(accs) == 0 {
				continue
			}
			iv := bounded(stats.MeanInterval(accs, 0.95))
			mf1, _ := meanStd(f1s)
			rows = append(rows, results.TransferRow{Method: a.method, Blocks: a.blocks, LabelsPerClass: n, Runs: len(accs), MeanAccuracy: iv.Mean, StdAccuracy: iv.SD,
				Low: iv.Lo, High: iv.Hi, MeanMacroF1: mf1})
		}
	}
	return rows
}

// differences compares every pair of methods at every label count, paired
// by seed: the same subset and the same head initialisation.
func differences(runs []results.TransferRun, cfg config.Finetune) []results.TransferDiff {
	acc := map[string]float64{}
	for _, r := range runs {
		acc[runKey(armOf(r), r.LabelsPerClass, r.Seed)] = r.TestAccuracy
	}
	var out []results.TransferDiff
	all := arms(cfg)
	for _, n := range cfg.LabelsPerClass {
		for i, a := range all {
			for _, b := range all[i+1:] {
				var d []float64
				for _, r := range runs {
					if armOf(r) != a || r.LabelsPerClass != n {
						continue
					}
					if vb, ok := acc[runKey(b, n, r.Seed)]; ok {
						d = append(d, r.TestAccuracy-vb)
					}
				}
				if len(d) == 0 {
					continue
				}
				iv := bounded(stats.MeanInterval(d, 0.95))
				td := results.TransferDiff{LabelsPerClass: n, A: a.method, ABlocks: a.blocks, B: b.method, BBlocks: b.blocks, Pairs: len(d), Mean: iv.Mean, SD: iv.SD, Low: iv.Lo, High: iv.Hi}
				if !td.Significant() && len(d) > 1 {
					td.SeedsNeeded = stats.SeedsNeeded(iv.Mean, iv.SD, 1000)
				}
				out = append(out, td)
			}
		}
	}
	return out
}

// bounded gives a one-value interval the value itself as bounds (JSON has
// no infinity; Runs or Pairs says there is no interval).
func bounded(iv stats.Interval) stats.Interval {
	if iv.N < 2 {
		iv.Lo, iv.Hi, iv.Half = iv.Mean, iv.Mean, 0
	}
	return iv
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
		cw.Write([]string{"method", "labels_per_class", "seed", "test_accuracy", "macro_f1", "epochs", "best_epoch", "seconds", "blocks"})
		for _, r := range res.Runs {
			cw.Write([]string{string(r.Method), r.LabelsPerClass.String(), strconv.FormatInt(r.Seed, 10), ftoa(r.TestAccuracy), ftoa(r.MacroF1),
				strconv.Itoa(r.Epochs), strconv.Itoa(r.BestEpoch), ftoa(r.Seconds), strconv.Itoa(r.Blocks)})
		}
		cw.Flush()
		return cw.Error()
	})
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// writeSummaryMarkdown writes the mean ± std table with 95% intervals, and
// the paired differences.
func writeSummaryMarkdown(path string, rows []results.TransferRow, diffs []results.TransferDiff) error {
	var b strings.Builder
	b.WriteString("| method | labels per class | runs | test accuracy (mean ± std) | 95% interval | macro-F1 |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %d | %.2f%% ± %.2f | %s | %.3f |\n", arm{r.Method, r.Blocks}, r.LabelsPerClass, r.Runs, 100*r.MeanAccuracy, 100*r.StdAccuracy,
			IntervalText(r.Runs, r.Low, r.High), r.MeanMacroF1)
	}
	if len(diffs) > 0 {
		b.WriteString("\nDifferences paired by seed (same subset, same head initialisation), in points:\n\n| labels per class | a - b | pairs | mean | 95% interval |\n|---|---|---|---|---|\n")
		for _, d := range diffs {
			fmt.Fprintf(&b, "| %s | %s - %s | %d | %+.2f | %s |\n", d.LabelsPerClass, arm{d.A, d.ABlocks}, arm{d.B, d.BBlocks}, d.Pairs, 100*d.Mean, IntervalText(d.Pairs, d.Low, d.High))
		}
	}
	return atomicfile.WriteBytes(path, []byte(b.String()))
}

// IntervalText writes a 95% interval of a proportion in percent (points),
// or says there is none for a single run.
func IntervalText(n int, lo, hi float64) string {
	if n < 2 {
		return "one run: none"
	}
	return fmt.Sprintf("[%.2f, %.2f]", 100*lo, 100*hi)
}
