// Package pipeline runs an experiment's stages in order (pretrain,
// finetune, reduce, compare) into its output folder, skipping a stage whose
// outputs were made from the same effective configuration and inputs, so
// an interrupted experiment continues where it stopped.
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
	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/finetune"
	"github.com/hourglass-ml/hourglass/internal/atomicfile"
	"github.com/hourglass-ml/hourglass/pretrain"
	"github.com/hourglass-ml/hourglass/reduce"
)

// Stages in the order they run.
var Stages = []string{"pretrain", "finetune", "reduce", "compare"}

// Options drive a pipeline run.
type Options struct {
	Force     []string // stages to rerun even if up to date
	Log       io.Writer
	Splits    *data.Splits // instead of loading the data (tests)
	LookupEnv func(string) (string, bool)
	Versions  map[string]string
}

// Record is a finished stage's <output_dir>/<stage>/.done file.
type Record struct {
	Stage       string `json:"stage"`
	Fingerprint string `json:"fingerprint"`
	Finished    string `json:"finished"` // also makes every rerun a new input downstream
}

// StageResult says what happened to one stage.
type StageResult struct {
	Stage   string
	Skipped bool
	Seconds float64
}

// Run runs every stage that is not up to date.
func Run(ctx context.Context, cfg *config.Config, o Options) ([]StageResult, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	for _, f := range o.Force {
		if !slices.Contains(Stages, f) {
			return nil, fmt.Errorf("--force %q: stages are %v", f, Stages)
		}
	}
	if o.Splits == nil {
		s, err := data.Prepare(cfg.Data, cfg.Seed, o.LookupEnv)
		if err != nil {
			return nil, err
		}
		o.Splits = s
	}
	var out []StageResult
	records := map[string]string{} // stage -> fingerprint+finish time, for its dependants
	for _, stage := range Stages {
		fp := fingerprint(stage, cfg, records)
		done := filepath.Join(cfg.OutputDir, stage, ".done")
		if rec, ok := readRecord(done); ok && rec.Fingerprint == fp && !slices.Contains(o.Force, stage) {
			fmt.Fprintf(o.Log, "%s: up to date (finished %s), skipped\n", stage, rec.Finished)
			out = append(out, StageResult{Stage: stage, Skipped: true})
			records[stage] = fp + rec.Finished
			continue
		}
		os.Remove(done) // a rerun invalidates the old record first
		fmt.Fprintf(o.Log, "%s: running\n", stage)
		start := time.Now()
		if err := runStage(ctx, stage, cfg, o); err != nil {
			return out, fmt.Errorf("%s: %w", stage, err)
		}
		rec := Record{Stage: stage, Fingerprint: fp, Finished: time.Now().UTC().Format(time.RFC3339Nano)}
		b, _ := json.MarshalIndent(rec, "", "  ")
		if err := os.MkdirAll(filepath.Dir(done), 0o755); err != nil {
			return out, err
		}
		if err := atomicfile.WriteBytes(done, b); err != nil {
			return out, err
		}
		out = append(out, StageResult{Stage: stage, Seconds: time.Since(start).Seconds()})
		records[stage] = fp + rec.Finished
	}
	return out, nil
}

func runStage(ctx context.Context, stage string, cfg *config.Config, o Options) error {
	var err error
	switch stage {
	case "pretrain":
		_, err = pretrain.Run(ctx, cfg, pretrain.Options{Restart: slices.Contains(o.Force, "pretrain"), Log: o.Log, Splits: o.Splits})
	case "finetune":
		_, err = finetune.Run(ctx, cfg, finetune.Options{Log: o.Log, Splits: o.Splits})
	case "reduce":
		_, err = reduce.Run(ctx, cfg, reduce.Options{Log: o.Log, Splits: o.Splits})
	case "compare":
		_, err = compare.Run(ctx, cfg, compare.Options{Log: o.Log, Splits: o.Splits, Versions: o.Versions})
	}
	return err
}

// dependsOn lists the stages whose outputs each stage reads.
var dependsOn = map[string][]string{
	"pretrain": nil,
	"finetune": {"pretrain"},
	"reduce":   {"pretrain"},
	"compare":  {"pretrain", "finetune", "reduce"},
}

// fingerprint hashes what a stage's outputs depend on: the configuration
// keys it reads and the records of the stages it reads from.
func fingerprint(stage string, cfg *config.Config, records map[string]string) string {
	var parts []any
	parts = append(parts, stage, cfg.Seed, cfg.Backend, cfg.Data)
	for _, d := range dependsOn[stage] {
		parts = append(parts, records[d])
	}
	switch stage {
	case "pretrain":
		parts = append(parts, cfg.Pretrain)
	case "finetune":
		parts = append(parts, cfg.Finetune)
	case "reduce":
		parts = append(parts, cfg.Reduce)
	case "compare":
		parts = append(parts, cfg.Compare, cfg.Name)
	}
	b, _ := json.Marshal(parts)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func readRecord(path string) (Record, bool) {
	var r Record
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &r) != nil {
		return r, false
	}
	return r, true
}
