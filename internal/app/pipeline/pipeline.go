// Package pipeline runs an experiment's stages in order into its output
// folder, skipping a stage whose outputs were made from the same settings
// and upstream outputs, so an interrupted experiment continues where it
// stopped. The stages are a list of stage.Stage values: adding one is one
// entry here.
package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hourglass-ml/hourglass/compare"
	"github.com/hourglass-ml/hourglass/finetune"
	"github.com/hourglass-ml/hourglass/generate"
	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/stage"
	"github.com/hourglass-ml/hourglass/pretrain"
	"github.com/hourglass-ml/hourglass/reduce"
)

// Stages in the order they run; each comes after the stages it needs.
var Stages = []stage.Stage{pretrain.Stage, finetune.Stage, reduce.Stage, generate.Stage, compare.Stage}

// Names are the stages' names, in order.
func Names() []string {
	out := make([]string, len(Stages))
	for i, s := range Stages {
		out[i] = s.Name()
	}
	return out
}

// Options drive a pipeline run.
type Options struct {
	// Force lists stages to rerun even if up to date; pretrain starts over
	// (its checkpoint is discarded). Every stage that reads a rerun
	// stage's outputs reruns too.
	Force []string
	// Env is passed to every stage; when it carries no splits, the data
	// are loaded once here and shared.
	Env stage.Env
	// ReuseFrom lists other experiments' output folders (a sweep's other
	// runs): a stage that is not up to date here but finished there with
	// the same fingerprint is copied from there instead of run (see
	// reuse.go). Forced stages are never reused.
	ReuseFrom []string
	// SharedDir, when set, is a folder of locks (a sweep's SharedFolder)
	// through which runs that might reuse each other's stages take turns:
	// a reusable stage is computed under its fingerprint's lock, and a run
	// that needs the same stage meanwhile waits for it and reuses it.
	SharedDir string
}

// Record is a finished stage's .done file.
type Record struct {
	Stage       string `json:"stage"`
	Fingerprint string `json:"fingerprint"`
	Finished    string `json:"finished"` // also makes every rerun a new input downstream
	// Seconds the stage took to compute (where it was computed, for a
	// reused stage).
	Seconds float64 `json:"seconds,omitempty"`
	// ReusedFrom is the output folder the stage was copied from, when it
	// was reused rather than run here.
	ReusedFrom string `json:"reused_from,omitempty"`
}

// Result says what happened to one stage.
type Result struct {
	Stage   string
	Skipped bool // not run: up to date, or reused
	Seconds float64
	// ReusedFrom is the output folder the stage was copied from (Skipped
	// is true too).
	ReusedFrom string
}

// Run runs every stage that is not up to date, in order, and stops at the
// first that fails.
func Run(ctx context.Context, cfg *config.Config, o Options) ([]Result, error) {
	for _, f := range o.Force {
		if !slices.Contains(Names(), f) {
			return nil, fmt.Errorf("--force %q: stages are %v", f, Names())
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// Every stage that will run has what it reads from outside the
	// experiment before the first starts (a stage that fails after hours
	// of pretraining for a folder missing from the start is no use).
	pending, err := toRun(cfg, o.Force)
	if err != nil {
		return nil, err
	}
	for _, s := range pending {
		if err := s.Inputs(cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name(), err)
		}
	}
	env := o.Env
	if env.Splits == nil {
		s, err := data.Prepare(cfg.Data, data.Shape(cfg.Spec().Input), cfg.Seed, env.LookupEnv)
		if err != nil {
			return nil, err
		}
		env.Splits = s
	}
	log := env.Log
	if log == nil {
		log = io.Discard
	}
	fmt.Fprintf(log, "data: %s\n", env.Splits.Describe())
	run := layout.At(cfg.OutputDir)
	var out []Result
	records := map[string]string{} // stage -> fingerprint+finish time, for its dependants
	for _, s := range Stages {
		name := s.Name()
		fp, err := fingerprint(s, cfg, records)
		if err != nil {
			return out, err
		}
		done := run.Done(name)
		forced := slices.Contains(o.Force, name)
		if rec, ok := readRecord(done); ok && rec.Fingerprint == fp && !forced {
			fmt.Fprintf(log, "%s: up to date (finished %s), skipped\n", name, rec.Finished)
			out = append(out, Result{Stage: name, Skipped: true})
			records[name] = fp + rec.Finished
			continue
		}
		var shared *sharedClaim
		if !forced && reusable(name) {
			if o.SharedDir != "" && len(o.ReuseFrom) > 0 {
				if shared, err = claimShared(ctx, o.SharedDir, name, fp, filepath.Base(cfg.OutputDir), log); err != nil {
					return out, err
				}
			}
			rec, from, err := reuse(cfg, name, fp, o.ReuseFrom)
			if err != nil {
				shared.Release()
				return out, fmt.Errorf("%s: %w", name, err)
			}
			if from != "" {
				shared.Release()
				fmt.Fprintf(log, "%s: reused from %s\n", name, from)
				out = append(out, Result{Stage: name, Skipped: true, ReusedFrom: from})
				records[name] = fp + rec.Finished
				continue
			}
		}
		rec, err := compute(ctx, s, cfg, env, fp, forced, log)
		shared.Release() // after the record is written, or the stage failed
		if err != nil {
			return out, err
		}
		out = append(out, Result{Stage: name, Seconds: rec.Seconds})
		records[name] = fp + rec.Finished
	}
	return out, nil
}

// compute runs a stage and writes its record.
func compute(ctx context.Context, s stage.Stage, cfg *config.Config, env stage.Env, fp string, forced bool, log io.Writer) (Record, error) {
	name := s.Name()
	done := layout.At(cfg.OutputDir).Done(name)
	os.Remove(done) // a rerun invalidates the old record first
	fmt.Fprintf(log, "%s: running\n", name)
	start := time.Now()
	env.Restart = forced
	if err := s.Run(ctx, cfg, env); err != nil {
		return Record{}, fmt.Errorf("%s: %w", name, err)
	}
	secs := time.Since(start).Seconds()
	rec := Record{Stage: name, Fingerprint: fp, Finished: time.Now().UTC().Format(time.RFC3339Nano), Seconds: secs}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return Record{}, err
	}
	if err := os.MkdirAll(filepath.Dir(done), 0o755); err != nil {
		return Record{}, err
	}
	if err := atomicfile.WriteBytes(done, b); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// toRun lists the stages Run will run rather than skip: as Run decides,
// but a stage that will run stands for a record no .done file holds, so
// every stage that reads it runs too.
func toRun(cfg *config.Config, force []string) ([]stage.Stage, error) {
	run := layout.At(cfg.OutputDir)
	var out []stage.Stage
	records := map[string]string{}
	for _, s := range Stages {
		fp, err := fingerprint(s, cfg, records)
		if err != nil {
			return nil, err
		}
		if rec, ok := readRecord(run.Done(s.Name())); ok && rec.Fingerprint == fp && !slices.Contains(force, s.Name()) {
			records[s.Name()] = fp + rec.Finished
			continue
		}
		records[s.Name()] = fp + " (to run)"
		out = append(out, s)
	}
	return out, nil
}

// fingerprint hashes what a stage's outputs depend on: its settings and
// the records of the stages it reads from.
func fingerprint(s stage.Stage, cfg *config.Config, records map[string]string) (string, error) {
	parts := []any{s.Name(), s.Settings(cfg)}
	for _, d := range s.Needs() {
		parts = append(parts, records[d])
	}
	b, err := json.Marshal(parts)
	if err != nil {
		return "", fmt.Errorf("%s: its settings have no fingerprint: %w", s.Name(), err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func readRecord(path string) (Record, bool) {
	var r Record
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &r) != nil {
		return r, false
	}
	return r, true
}
