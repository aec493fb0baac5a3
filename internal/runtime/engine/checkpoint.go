package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/model"
)

// SaveCheckpoint writes ctx's variables (weights, optimiser moments, global
// step) and state (as JSON) into dir atomically: everything goes to a
// temporary folder first, which then replaces dir, so dir is always a whole
// checkpoint (or, for an instant, dir.old is; see layout.CheckpointPath).
func SaveCheckpoint(ctx *context.Context, dir string, state any) error {
	return saveCheckpoint(ctx, dir, state, nil)
}

// SaveCheckpoint is the package's SaveCheckpoint for the engine's model,
// its architecture written beside the variables (layout.SpecFile), so that
// whatever loads the checkpoint builds the model it holds.
func (e *Engine) SaveCheckpoint(dir string, state any) error {
	return saveCheckpoint(e.Ctx, dir, state, &e.opts.Spec)
}

func saveCheckpoint(ctx *context.Context, dir string, state any, spec *model.Spec) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+"-tmp-*")
	if err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	h, err := checkpoints.Build(ctx).Dir(tmp).Keep(1).Done()
	if err != nil {
		return fmt.Errorf("saving checkpoint in %s: %w", tmp, err)
	}
	if err := h.Save(); err != nil {
		return fmt.Errorf("saving checkpoint in %s: %w", tmp, err)
	}
	b, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(tmp, layout.StateFile), b); err != nil {
		return err
	}
	if spec != nil {
		b, err := json.MarshalIndent(spec, "", "  ")
		if err != nil {
			return err
		}
		if err := atomicfile.WriteBytes(filepath.Join(tmp, layout.SpecFile), b); err != nil {
			return err
		}
	}
	old := dir + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(dir); err == nil {
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("replacing checkpoint %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("replacing checkpoint %s: %w", dir, err)
	}
	return os.RemoveAll(old)
}

// ReadState reads a checkpoint's state record into v, and checks it when
// v has a Check method (a Progress in it has).
func ReadState(dir string, v any) error {
	p := filepath.Join(dir, layout.StateFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("checkpoint state %s: %w (rerun with --restart to start over)", p, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("checkpoint state %s is corrupt: %w (rerun with --restart to start over)", p, err)
	}
	if c, ok := v.(interface{ Check() error }); ok {
		if err := c.Check(); err != nil {
			return fmt.Errorf("checkpoint state %s is corrupt: %w (rerun with --restart to start over)", p, err)
		}
	}
	return nil
}

// Attach hands the variables of the checkpoint folder path to ctx: they
// are loaded as the graphs create them.
func Attach(ctx *context.Context, path string) error {
	if err := vetCheckpoint(path); err != nil {
		return fmt.Errorf("%w (delete it, or rerun with --restart)", err)
	}
	if err := loadCheckpoint(checkpoints.Build(ctx).Dir(path)); err != nil {
		return fmt.Errorf("checkpoint %s is unreadable: %w (delete it, or rerun with --restart)", path, err)
	}
	return nil
}

// loadCheckpoint loads what c configures, turning a panic of GoMLX's
// (its way of reporting data it cannot take) into an error: vetCheckpoint
// stops the damage known to cause them first.
func loadCheckpoint(c *checkpoints.Config) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	_, err = c.Done()
	return err
}

// Load gives the engine the weights of a checkpoint: a checkpoint folder,
// a pretrain folder or an experiment's output folder (see
// layout.ResolveCheckpoint). It reconstructs a blank image at once, so
// that weights of other shapes are an error here, naming the checkpoint,
// rather than in whatever first builds a graph.
func (e *Engine) Load(path string) error {
	dir, err := layout.ResolveCheckpoint(path)
	if err != nil {
		return err
	}
	if err := Attach(e.Ctx, dir); err != nil {
		return err
	}
	if _, err := e.Reconstruct(e.Images(make([]float32, e.opts.Spec.Values()))); err != nil {
		return fmt.Errorf("checkpoint %s does not hold this model: %w", dir, err)
	}
	return nil
}

// SaveModel saves the engine's variables as a checkpoint with an empty
// state record: a model other programs and stages can load, with nothing
// to resume.
func SaveModel(e *Engine, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	return e.SaveCheckpoint(dir, struct{}{})
}

// ReadSpec reads the architecture of a model checkpoint (a checkpoint
// folder, a pretrain folder or an output folder) and says which checkpoint
// folder it read. A checkpoint saved before architectures were recorded
// holds the paper's autoencoder, or its VAE, whose latent size its
// variables give.
func ReadSpec(path string) (model.Spec, string, error) {
	dir, err := layout.ResolveCheckpoint(path)
	if err != nil {
		return model.Spec{}, "", err
	}
	p := filepath.Join(dir, layout.SpecFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return legacySpec(dir)
	}
	if err != nil {
		return model.Spec{}, dir, fmt.Errorf("model architecture %s: %w", p, err)
	}
	var s model.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return model.Spec{}, dir, fmt.Errorf("model architecture %s is corrupt: %w", p, err)
	}
	if err := s.Validate(); err != nil {
		return model.Spec{}, dir, fmt.Errorf("model architecture %s: %w", p, err)
	}
	return s, dir, nil
}

// legacySpec is the architecture of a checkpoint without SpecFile.
func legacySpec(dir string) (model.Spec, string, error) {
	vars, dir, err := ReadVariables(dir)
	if err != nil {
		return model.Spec{}, dir, err
	}
	gaussian := context.VariableParameterNameFromScopeAndName("/"+model.EncoderScope+"/"+model.GaussianScope, "weights")
	if g, ok := vars[gaussian]; ok {
		if d := g.Shape().Dimensions; len(d) == 2 && d[1] >= 2 && d[1]%2 == 0 {
			return model.PaperVAE(d[1] / 2), dir, nil
		}
		return model.Spec{}, dir, fmt.Errorf("checkpoint %s: variable %s has shape %v, want [576, 2*latent]: not an hourglass VAE", dir, gaussian, g.Shape().Dimensions)
	}
	return model.Paper(), dir, nil
}

// ReadVariables reads every variable of a model checkpoint (a checkpoint
// folder, a pretrain folder or an output folder) by parameter name, and
// says which checkpoint folder it read.
func ReadVariables(path string) (Weights, string, error) {
	dir, err := layout.ResolveCheckpoint(path)
	if err != nil {
		return nil, "", err
	}
	if err := vetCheckpoint(dir); err != nil {
		return nil, dir, err
	}
	ctx := context.New()
	if err := loadCheckpoint(checkpoints.Build(ctx).Dir(dir).Immediate()); err != nil {
		return nil, dir, fmt.Errorf("checkpoint %s is unreadable: %w", dir, err)
	}
	out := Weights{}
	for v := range ctx.IterVariables() {
		out[v.ParameterName()] = v.MustValue()
	}
	return out, dir, nil
}
