package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// FailedFile, in a sweep run's folder, records why the run failed; it
// goes when the run next finishes.
const FailedFile = "failed.json"

// Failure is a failed run's FailedFile.
type Failure struct {
	Error    string `json:"error"`
	Finished string `json:"finished"`
}

// SweepOptions drive a sweep.
type SweepOptions struct {
	// Only, when >= 0, runs that run alone and writes no sweep report
	// (hourglass sweep --variant N); -1 runs them all and writes it.
	Only int
	// Env is passed to every run's stages.
	Env stage.Env
}

// RunOutcome is what happened to one run of a sweep.
type RunOutcome struct {
	Run     config.SweepRun
	Results []Result
	Err     error // nil when the run finished
}

// Sweep runs a sweep's runs one after another with Run, each in its own
// folder, every other run's folder offered for reuse, so a stage whose
// fingerprint another run has already finished is copied, not computed,
// and a rerun skips the runs that finished. A run that fails is recorded
// (FailedFile) and the sweep goes on; an interruption (ctx cancelled)
// stops it. With every run (o.Only < 0) the sweep report is written at the
// end from the runs that finished. The error says how many runs failed.
func Sweep(ctx context.Context, plan *config.Plan, o SweepOptions) ([]RunOutcome, error) {
	log := o.Env.Log
	if log == nil {
		log = io.Discard
	}
	runs := plan.Runs
	if o.Only >= 0 {
		if o.Only >= len(runs) {
			return nil, fmt.Errorf("--variant %d: the sweep has runs 0 to %d (hourglass sweep FILE --list lists them)", o.Only, len(runs)-1)
		}
		runs = runs[o.Only : o.Only+1]
	}
	dirs := make([]string, len(plan.Runs))
	for i, r := range plan.Runs {
		dirs[i] = r.Config.OutputDir
	}
	if err := checkSweepInputs(runs); err != nil {
		return nil, err
	}
	var out []RunOutcome
	var failed []string
	for _, r := range runs {
		fmt.Fprintf(log, "sweep: run %d of %d: %s\n", r.Index+1, len(plan.Runs), r.Name)
		rs, err := Run(ctx, r.Config, Options{Env: o.Env, ReuseFrom: dirs, SharedDir: filepath.Join(plan.Dir(), SharedFolder)})
		out = append(out, RunOutcome{Run: r, Results: rs, Err: err})
		if err != nil && ctx.Err() != nil {
			return out, fmt.Errorf("sweep interrupted in run %d (%s): %w; run the same command again to go on", r.Index, r.Name, err)
		}
		if err := recordFailure(r.Config.OutputDir, err); err != nil {
			return out, err
		}
		if err != nil {
			fmt.Fprintf(log, "sweep: run %d (%s) failed: %v; going on with the next\n", r.Index, r.Name, err)
			failed = append(failed, fmt.Sprintf("run %d (%s): %v", r.Index, r.Name, err))
		}
	}
	if o.Only < 0 {
		rep, err := Gather(plan)
		if err != nil {
			return out, err
		}
		if err := rep.Write(plan.Dir()); err != nil {
			return out, err
		}
		fmt.Fprintf(log, "sweep: report in %s\n", filepath.Join(plan.Dir(), SweepMarkdown))
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("%d of %d runs failed:\n  %s", len(failed), len(runs), strings.Join(failed, "\n  "))
	}
	return out, nil
}

// recordFailure writes a run's FailedFile for err, or removes it when err
// is nil.
func recordFailure(dir string, err error) error {
	path := filepath.Join(dir, FailedFile)
	if err == nil {
		if rmErr := os.Remove(path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			return rmErr
		}
		return nil
	}
	b, jerr := json.MarshalIndent(Failure{Error: err.Error(), Finished: time.Now().UTC().Format(time.RFC3339)}, "", "  ")
	if jerr != nil {
		return jerr
	}
	if mkErr := os.MkdirAll(dir, 0o755); mkErr != nil {
		return mkErr
	}
	return atomicfile.WriteBytes(path, b)
}

// ListCommands is one command line per run of a sweep, each running that
// run alone: hourglass sweep FILE [flags] --variant N, the flags (the
// --set flags given) quoted for a POSIX shell, and the run's folder in a
// comment.
func ListCommands(plan *config.Plan, file string, flags []string) []string {
	var extra strings.Builder
	for _, s := range flags {
		extra.WriteString(" " + shellQuote(s))
	}
	out := make([]string, len(plan.Runs))
	for i, r := range plan.Runs {
		out[i] = fmt.Sprintf("hourglass sweep %s%s --variant %d   # %s", shellQuote(file), extra.String(), r.Index, r.Name)
	}
	return out
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe
// characters.
func shellQuote(s string) string {
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-/=,:+", c)) {
			safe = false
			break
		}
	}
	if safe && s != "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// checkSweepInputs checks, before the first run starts, the data paths of
// every run and what its pending stages read from outside the experiment
// (Stage.Inputs, as Run checks for one run): a source missing for the last
// variant stops the sweep at once, not after the runs before it.
func checkSweepInputs(runs []config.SweepRun) error {
	for _, r := range runs {
		// The data's own paths, which every run reads first: a pool
		// missing for the last variant is found now, not hours in.
		for _, p := range []struct{ key, path string }{{"data.dir", r.Config.Data.Dir}, {"data.unlabelled", r.Config.Data.Unlabelled}} {
			if p.path == "" {
				continue
			}
			if _, err := os.Stat(p.path); err != nil {
				return fmt.Errorf("sweep run %d (%s): %s %s does not exist (make it first, as the experiment file's header says, or fix the value); nothing has run",
					r.Index, r.Name, p.key, p.path)
			}
		}
		pending, err := toRun(r.Config, nil)
		if err != nil {
			return fmt.Errorf("sweep run %d (%s): %w", r.Index, r.Name, err)
		}
		for _, s := range pending {
			if err := s.Inputs(r.Config); err != nil {
				return fmt.Errorf("sweep run %d (%s): %s: %w; nothing has run", r.Index, r.Name, s.Name(), err)
			}
		}
	}
	return nil
}
