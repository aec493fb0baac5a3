package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

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

// LoadWeights sets the model's weights (the engine's trainable variables)
// to those of a model checkpoint (a checkpoint folder, a pretrain folder
// or an output folder; see layout.ResolveCheckpoint) holding a model of
// the engine's architecture, and says which checkpoint folder it read.
// Unlike Load it takes nothing else: the optimiser's moments and step
// count and the random generator stay the engine's own, so training from
// there starts afresh from those weights.
func (e *Engine) LoadWeights(path string) (string, error) {
	spec, dir, err := ReadSpec(path)
	if err != nil {
		return dir, err
	}
	if !spec.Equal(e.opts.Spec) {
		return dir, fmt.Errorf("checkpoint %s holds another model (%s) than this one (%s)", dir, spec, e.opts.Spec)
	}
	vars, dir, err := ReadVariables(dir)
	if err != nil {
		return dir, err
	}
	// Reconstructing builds every weight of the model.
	if _, err := e.Reconstruct(e.Images(make([]float32, spec.Values()))); err != nil {
		return dir, err
	}
	for v := range e.Ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		name := v.ParameterName()
		t, ok := vars[name]
		if !ok {
			return dir, fmt.Errorf("checkpoint %s has no variable %s: it does not hold this model (%s)", dir, name, spec)
		}
		if !t.Shape().Equal(v.Shape()) {
			return dir, fmt.Errorf("checkpoint %s: variable %s is %s, want %s: it does not hold this model (%s)", dir, name, t.Shape(), v.Shape(), spec)
		}
		if err := v.SetValue(clone(t)); err != nil {
			return dir, err
		}
	}
	return dir, nil
}

// ModelHash is a SHA-256, in hex, of the model a checkpoint holds (a
// checkpoint folder, a pretrain folder or an output folder): its
// architecture and every variable's name, shape and values, optimiser
// state included. Checkpoints of the same hash hold the same model,
// whatever their files' names and times.
func ModelHash(path string) (string, error) {
	spec, _, err := ReadSpec(path)
	if err != nil {
		return "", err
	}
	vars, _, err := ReadVariables(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	b, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	h.Write(b)
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		t := vars[name]
		fmt.Fprintf(h, "\n%s %s\n", name, t.Shape())
		if err := t.ConstBytes(func(b []byte) { h.Write(b) }); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
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
