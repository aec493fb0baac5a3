// Package stage is the contract every experiment stage satisfies — a name,
// an output folder, the settings and upstream stages its fingerprint
// covers, a check of what it reads from outside the experiment, and Run —
// and the one preparation step they share: validate the configuration,
// check the inputs, lock the folder, load the data, make the backend, save
// the configuration. internal/app/pipeline runs a list of stages; a new stage is
// one package and one entry in that list.
package stage

import (
	"context"
	"fmt"
	"io"

	"github.com/gomlx/gomlx/backends"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/base/outdir"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
)

// Env is everything a stage run gets beside its configuration.
type Env struct {
	// Log receives progress: a bar on a terminal, plain lines otherwise.
	// nil discards it.
	Log io.Writer
	// Splits, when set, is used instead of loading the configured data.
	Splits *data.Splits
	// LookupEnv reads the environment (HOURGLASS_DATA); nil means the
	// process environment.
	LookupEnv func(string) (string, bool)
	// Versions of hourglass and its libraries, for reports.
	Versions map[string]string
	// Restart discards resumable state (pretraining's checkpoints) and
	// starts the stage over.
	Restart bool
}

// Stage is one step of an experiment.
type Stage interface {
	// Name is the stage's name, also its folder's (see layout).
	Name() string
	// Dir is the folder the stage writes into.
	Dir(cfg *config.Config) string
	// Needs lists the stages whose outputs this one reads; their records
	// are part of its fingerprint.
	Needs() []string
	// Settings are the configuration values its outputs depend on.
	Settings(cfg *config.Config) any
	// Inputs checks what the stage reads from outside the experiment's
	// folder (another experiment named in the configuration), so a run
	// stops before its first stage rather than in this one; nil when all
	// is there. Data paths are not its business: the data are loaded
	// before any stage.
	Inputs(cfg *config.Config) error
	// Run does the stage's work into Dir(cfg).
	Run(ctx context.Context, cfg *config.Config, env Env) error
}

// Define makes a Stage of a stage package's Run function: name is also its
// folder's (see layout), needs the stages it reads from, settings the
// configuration section its outputs depend on beside the seed, the backend,
// the data and the model, which every stage's do, and inputs, when not nil, the
// check of what it reads from outside the experiment (Stage.Inputs; Run
// passes the same to Prepare in Options.Inputs).
func Define[R any](name string, needs []string, settings func(*config.Config) any,
	inputs func(*config.Config) error, run func(context.Context, *config.Config, Env) (R, error)) Stage {
	return &defined[R]{name, needs, settings, inputs, run}
}

type defined[R any] struct {
	name     string
	needs    []string
	settings func(*config.Config) any
	inputs   func(*config.Config) error
	run      func(context.Context, *config.Config, Env) (R, error)
}

func (d *defined[R]) Name() string    { return d.name }
func (d *defined[R]) Needs() []string { return d.needs }

func (d *defined[R]) Dir(cfg *config.Config) string { return layout.At(cfg.OutputDir).StageDir(d.name) }

func (d *defined[R]) Settings(cfg *config.Config) any {
	return []any{cfg.Seed, cfg.Backend, cfg.Data, cfg.Model, d.settings(cfg)}
}

func (d *defined[R]) Inputs(cfg *config.Config) error {
	if d.inputs == nil {
		return nil
	}
	return d.inputs(cfg)
}

func (d *defined[R]) Run(ctx context.Context, cfg *config.Config, env Env) error {
	_, err := d.run(ctx, cfg, env)
	return err
}

// Options say what a stage needs prepared.
type Options struct {
	// Backend makes the configured backend.
	Backend bool
	// Model requires the experiment's pretrained model (checked before
	// anything else) and hands over its checkpoint folder.
	Model bool
	// Inputs, when set, is the stage's check of what it reads from outside
	// the experiment (see Stage.Inputs), run before the folder is locked,
	// so a single-stage command fails before it writes anything.
	Inputs func(cfg *config.Config) error
	// Check runs once the folder is locked, before anything is written
	// into it (pretraining checks that its checkpoint can be resumed).
	Check func(dir string) error
}

// Prepared is what Prepare hands a stage.
type Prepared struct {
	Dir     string // the stage's folder, locked
	Run     layout.Run
	Splits  *data.Splits
	Backend backends.Backend // when Options.Backend
	Model   string           // the pretrained model's checkpoint, when Options.Model
	Log     io.Writer        // never nil
	lock    *outdir.Lock
}

// Release unlocks the folder.
func (p *Prepared) Release() { p.lock.Release() }

// Prepare validates cfg, finds the pretrained model (o.Model), checks the
// stage's inputs (o.Inputs), creates and locks the named stage's folder, runs o.Check, loads the data (unless env
// carries it), makes the backend (o.Backend) and saves the effective
// configuration into the folder.
func Prepare(name string, cfg *config.Config, env Env, o Options) (*Prepared, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	run := layout.At(cfg.OutputDir)
	p := &Prepared{Dir: run.StageDir(name), Run: run, Log: env.Log}
	if o.Model {
		var err error
		if p.Model, err = run.FindModelCheckpoint(); err != nil {
			return nil, err
		}
	}
	if o.Inputs != nil {
		if err := o.Inputs(cfg); err != nil {
			return nil, err
		}
	}
	if p.Log == nil {
		p.Log = io.Discard
	}
	lock, err := outdir.Open(p.Dir)
	if err != nil {
		return nil, err
	}
	p.lock = lock
	fail := func(err error) (*Prepared, error) { lock.Release(); return nil, err }
	if o.Check != nil {
		if err := o.Check(p.Dir); err != nil {
			return fail(err)
		}
	}
	if p.Splits, err = data.Use(env.Splits, cfg.Data, data.Shape(cfg.Spec().Input), cfg.Seed, env.LookupEnv); err != nil {
		return fail(err)
	}
	if env.Splits == nil {
		fmt.Fprintf(p.Log, "data: %s\n", p.Splits.Describe())
	}
	if o.Backend {
		if p.Backend, err = backend.New(cfg.Backend); err != nil {
			return fail(err)
		}
	}
	if err := cfg.Save(run.Config(name)); err != nil {
		return fail(err)
	}
	return p, nil
}
