package finetune

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/outdir"
	"github.com/hourglass-ml/hourglass/pretrain"
)

// Options drive a finetune run beside its configuration.
type Options struct {
	Log       io.Writer
	Splits    *data.Splits // instead of loading the data (tests)
	LookupEnv func(string) (string, bool)
	// OnRun, when set, is called with each finished classifier's trainer
	// context (tests use it to inspect weights).
	OnRun func(r *RunResult, weights func(scope, name string) []float32)
}

// Row is one method at one label count: mean and spread over seeds.
type Row struct {
	Method         string  `json:"method"`
	LabelsPerClass int     `json:"labels_per_class"`
	Runs           int     `json:"runs"`
	MeanAccuracy   float64 `json:"mean_accuracy"`
	StdAccuracy    float64 `json:"std_accuracy"`
	MeanMacroF1    float64 `json:"mean_macro_f1"`
}

// Results is results.json.
type Results struct {
	Checkpoint string      `json:"checkpoint"`
	Settings   any         `json:"settings"` // what a resumed run must match
	Runs       []RunResult `json:"runs"`
	Summary    []Row       `json:"summary"`
}

// Dir is the stage's output folder.
func Dir(cfg *config.Config) string { return filepath.Join(cfg.OutputDir, "finetune") }

// Files written by Run, relative to Dir.
const (
	ResultsJSON     = "results.json"
	ResultsCSV      = "results.csv"
	SummaryMarkdown = "summary.md"
	EfficiencyPlot  = "label_efficiency.png"
	ConfusionPlot   = "confusion_best.png"
)

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
func Run(ctx context.Context, cfg *config.Config, o Options) (*Results, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	ckpt, err := checkpoint(cfg)
	if err != nil {
		return nil, err
	}
	enc, err := encoder.Load(ckpt)
	if err != nil {
		return nil, err
	}
	dir := Dir(cfg)
	lock, err := outdir.Open(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	splits, err := data.Use(o.Splits, cfg.Data, cfg.Seed, o.LookupEnv)
	if err != nil {
		return nil, err
	}
	be, err := backend.New(cfg.Backend)
	if err != nil {
		return nil, err
	}
	if err := cfg.Save(filepath.Join(dir, "config.yaml")); err != nil {
		return nil, err
	}
	res := &Results{Checkpoint: ckpt, Settings: settings(cfg, ckpt)}
	var prev Results
	if readJSON(filepath.Join(dir, ResultsJSON), &prev) == nil && sameSettings(prev.Settings, res.Settings) {
		res.Runs = prev.Runs
	}
	done := map[string]bool{}
	for _, r := range res.Runs {
		done[runKey(r.Method, r.LabelsPerClass, r.Seed)] = true
	}
	logged := map[Method]bool{}
	var best *RunResult
	for _, n := range cfg.Finetune.LabelsPerClass {
		for s := 0; s < cfg.Finetune.Seeds; s++ {
			seed := cfg.Seed*1000 + int64(s)
			labelled, err := splits.Train.PerClass(n, seed)
			if err != nil {
				return nil, fmt.Errorf("finetune.labels_per_class %d: %w", n, err)
			}
			tr, held := splitHeldOut(labelled, cfg.Finetune.HeldOut)
			for _, m := range cfg.Finetune.Methods {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("finetune interrupted; %d classifiers saved in %s: run again to continue: %w", len(res.Runs), dir, err)
				}
				if done[runKey(m, n, seed)] {
					continue
				}
				j := &job{method: Method(m), n: n, seed: seed, train: tr, heldOut: held}
				r, t, err := runJob(be, cfg.Finetune, j, enc, splits.Test, o.Log, !logged[j.method])
				if err != nil {
					return nil, fmt.Errorf("finetune %s, %d labels per class, seed %d: %w", m, n, seed, err)
				}
				logged[j.method] = true
				fmt.Fprintf(o.Log, "%-8s %5s labels/class seed %d: test accuracy %.2f%%, macro-F1 %.3f (%d epochs, best %d, %.0fs)\n",
					m, countName(n), seed, 100*r.TestAccuracy, r.MacroF1, r.Epochs, r.BestEpoch, r.Seconds)
				if o.OnRun != nil {
					o.OnRun(r, func(scope, name string) []float32 {
						v := t.ctx.InspectVariable(scope, name)
						if v == nil {
							return nil
						}
						return tensors.MustCopyFlatData[float32](v.MustValue())
					})
				}
				res.Runs = append(res.Runs, *r)
				if err := writeResults(dir, res); err != nil {
					return nil, err
				}
			}
		}
	}
	for i := range res.Runs {
		if best == nil || res.Runs[i].TestAccuracy > best.TestAccuracy {
			best = &res.Runs[i]
		}
	}
	res.Summary = summarize(res.Runs, cfg.Finetune)
	if err := writeResults(dir, res); err != nil {
		return nil, err
	}
	if err := writeSummaryMarkdown(filepath.Join(dir, SummaryMarkdown), res.Summary); err != nil {
		return nil, err
	}
	if err := writeEfficiencyPlot(filepath.Join(dir, EfficiencyPlot), res.Summary, splits.Train.Len()); err != nil {
		return nil, err
	}
	if best != nil {
		title := fmt.Sprintf("%s, %s labels/class, seed %d: %.2f%%", best.Method, countName(best.LabelsPerClass), best.Seed, 100*best.TestAccuracy)
		if err := writeConfusionPlot(filepath.Join(dir, ConfusionPlot), best.Confusion, title); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func runKey(m string, n int, seed int64) string { return fmt.Sprintf("%s/%d/%d", m, n, seed) }

func countName(n int) string {
	if n == config.AllLabels {
		return "all"
	}
	return strconv.Itoa(n)
}

// checkpoint is the pretrained encoder's checkpoint.
func checkpoint(cfg *config.Config) (string, error) {
	dir := pretrain.Dir(cfg)
	names := []string{pretrain.LastCheckpoint}
	if cfg.Pretrain.Patience > 0 {
		names = []string{pretrain.BestCheckpoint, pretrain.LastCheckpoint}
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return filepath.Join(dir, n), nil
		}
	}
	return "", fmt.Errorf("no pretrained autoencoder in %s: run `hourglass pretrain` with this config first (or `hourglass run`)", dir)
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
func summarize(runs []RunResult, cfg config.Finetune) []Row {
	var rows []Row
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
			rows = append(rows, Row{Method: m, LabelsPerClass: n, Runs: len(accs), MeanAccuracy: mean, StdAccuracy: std, MeanMacroF1: mf1})
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

func writeResults(dir string, res *Results) error {
	if err := atomicfile.WriteJSON(filepath.Join(dir, ResultsJSON), res); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, ResultsCSV), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"method", "labels_per_class", "seed", "test_accuracy", "macro_f1", "epochs", "best_epoch", "seconds"})
		for _, r := range res.Runs {
			cw.Write([]string{r.Method, countName(r.LabelsPerClass), strconv.FormatInt(r.Seed, 10), ftoa(r.TestAccuracy), ftoa(r.MacroF1),
				strconv.Itoa(r.Epochs), strconv.Itoa(r.BestEpoch), ftoa(r.Seconds)})
		}
		cw.Flush()
		return cw.Error()
	})
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// writeSummaryMarkdown writes the mean +- std table.
func writeSummaryMarkdown(path string, rows []Row) error {
	var b strings.Builder
	b.WriteString("| method | labels per class | runs | test accuracy (mean ± std) | macro-F1 |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %d | %.2f%% ± %.2f | %.3f |\n", r.Method, countName(r.LabelsPerClass), r.Runs, 100*r.MeanAccuracy, 100*r.StdAccuracy, r.MeanMacroF1)
	}
	return atomicfile.WriteBytes(path, []byte(b.String()))
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
