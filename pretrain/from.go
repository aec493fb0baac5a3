package pretrain

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
)

// origin is the model pretrain.from names.
type origin struct {
	dir    string // the checkpoint folder it is read from
	hash   string // engine.ModelHash: which model it is
	epochs int    // epochs it was trained there (0: its checkpoint does not say)
	data   string // the data it was trained on (empty: its folder does not say)
}

// Inputs checks the one thing pretraining reads from outside the
// experiment: pretrain.from, when set, must hold a finished model of this
// experiment's architecture whose weights load. `hourglass run` checks it
// before the first stage, and Run before it writes anything.
func Inputs(cfg *config.Config) error {
	if cfg.Pretrain.From == "" {
		return nil
	}
	_, err := source(cfg)
	return err
}

// fromFix says what to set pretrain.from to.
const fromFix = `set pretrain.from to a finished experiment's output folder (runs/<name>), its pretrain folder or a checkpoint folder in it, or to "" to start from random weights`

// source finds and checks the model pretrain.from names.
func source(cfg *config.Config) (origin, error) {
	path := cfg.Pretrain.From
	st, err := os.Stat(path)
	if err != nil {
		return origin{}, fmt.Errorf("pretrain.from: %s does not exist; %s", path, fromFix)
	}
	if !st.IsDir() {
		return origin{}, fmt.Errorf("pretrain.from: %s is a file, not a folder; %s", path, fromFix)
	}
	own := layout.At(cfg.OutputDir)
	if same(path, own.Root) || inside(path, own.StageDir(layout.Pretrain)) {
		return origin{}, fmt.Errorf("pretrain.from: %s is this experiment's own model (output_dir %s); %s", path, cfg.OutputDir, fromFix)
	}
	dir, err := layout.ResolveCheckpoint(path)
	if err != nil {
		return origin{}, fmt.Errorf("pretrain.from: %s holds no model: %s is missing (an experiment whose pretraining has not run has none: run it first, e.g. `hourglass run` with its configuration); or %s",
			path, modelFile(path), fromFix)
	}
	if filepath.Clean(dir) != filepath.Clean(path) { // an output or pretrain folder: its pretraining must have finished
		if run := layout.At(filepath.Dir(filepath.Dir(dir))); filepath.Clean(run.StageDir(layout.Pretrain)) == filepath.Clean(filepath.Dir(dir)) {
			if _, err := os.Stat(run.PretrainSummary()); err != nil {
				return origin{}, fmt.Errorf("pretrain.from: the pretraining in %s has not finished (no %s): run it to the end first (rerun its `hourglass run` or `hourglass pretrain`), or point pretrain.from at a checkpoint folder to take its weights as they are",
					run.StageDir(layout.Pretrain), run.PretrainSummary())
			}
		}
	}
	spec, _, err := engine.ReadSpec(dir)
	if err != nil {
		return origin{}, fmt.Errorf("pretrain.from %s: %w", path, err)
	}
	if want := cfg.Spec(); !spec.Equal(want) {
		return origin{}, fmt.Errorf("pretrain.from: %s holds a model of another architecture (%s) than this experiment's model section and pretrain.model describe (%s); "+
			"set them as that experiment has them, or point pretrain.from at a model of this architecture", path, spec, want)
	}
	hash, err := engine.ModelHash(dir)
	if err != nil {
		return origin{}, fmt.Errorf("pretrain.from %s: %w", path, err)
	}
	// Its weights load into this experiment's model, as pretraining will
	// load them.
	be, err := backend.New("go")
	if err != nil {
		return origin{}, err
	}
	e, err := engine.New(be, engine.FromConfig(cfg, cfg.Seed))
	if err != nil {
		return origin{}, err
	}
	if _, err := e.LoadWeights(dir); err != nil {
		return origin{}, fmt.Errorf("pretrain.from %s: %w", path, err)
	}
	return origin{dir: dir, hash: hash, epochs: trainedEpochs(dir), data: trainedOn(dir)}, nil
}

// trainedOn describes the data a checkpoint's pretraining read, from the
// config.yaml its pretrain folder keeps: the source, and the classes when
// data.classes kept some only ("fashion-mnist, classes Sandal, Shirt"). It
// is empty where the folder has no readable config.yaml (a model saved by
// other means).
func trainedOn(dir string) string {
	file := filepath.Join(filepath.Dir(dir), "config.yaml")
	if _, err := os.Stat(file); err != nil {
		return ""
	}
	c, err := config.Load(config.Options{File: file, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		return ""
	}
	if len(c.Data.Classes) == 0 {
		return c.Data.Source + ", every class"
	}
	return c.Data.Source + ", classes " + strings.Join(c.Data.Classes, ", ")
}

// trainedEpochs reads how many epochs a checkpoint's pretraining ran from
// its state record; 0 where it does not say (a model saved by other means).
func trainedEpochs(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, layout.StateFile))
	if err != nil {
		return 0
	}
	var st struct {
		History []json.RawMessage `json:"history"`
	}
	if json.Unmarshal(b, &st) != nil {
		return 0
	}
	return len(st.History)
}

// modelFile is the file whose absence makes path hold no model: the state
// record of the checkpoint it would be read from, taking path for what it
// looks like (an output folder, a pretrain folder or a checkpoint folder).
func modelFile(path string) string {
	isDir := func(p string) bool { st, err := os.Stat(p); return err == nil && st.IsDir() }
	base := filepath.Base(filepath.Clean(path))
	switch {
	case isDir(layout.At(path).StageDir(layout.Pretrain)):
		return filepath.Join(layout.At(path).ModelCheckpoint(), layout.StateFile)
	case base == layout.Pretrain || isDir(filepath.Join(path, layout.LastCheckpointName)):
		return filepath.Join(path, layout.LastCheckpointName, layout.StateFile)
	case strings.HasPrefix(base, "checkpoint-"):
		return filepath.Join(path, layout.StateFile)
	}
	return filepath.Join(layout.At(path).ModelCheckpoint(), layout.StateFile)
}

// same says whether two paths name the same folder.
func same(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}

// inside says whether path is dir or lies in it.
func inside(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// settings are what the pretrain stage's outputs depend on besides what
// every stage's do: the pretrain section, and with pretrain.from the model
// it names, by content (engine.ModelHash), so that a source pretrained
// again is a change even under the same path. Without pretrain.from they
// are the section alone, as before the key existed.
func settings(cfg *config.Config) any {
	if cfg.Pretrain.From == "" {
		return cfg.Pretrain
	}
	return struct {
		Pretrain  config.Pretrain
		FromModel string
	}{cfg.Pretrain, sourceHash(cfg)}
}

// sourceHash is the hash of pretrain.from's model. Where it cannot be read
// (the source was moved or deleted after this experiment pretrained), it
// is the hash this experiment's own model recorded when it was made from
// the same pretrain.from, so a finished experiment stays up to date; else
// a text no hash equals.
func sourceHash(cfg *config.Config) string {
	h, err := engine.ModelHash(cfg.Pretrain.From)
	if err == nil {
		return h
	}
	if path, ok := layout.CheckpointPath(layout.At(cfg.OutputDir).ModelCheckpoint()); ok {
		var st State
		if engine.ReadState(path, &st) == nil && st.From == cfg.Pretrain.From && st.FromModel != "" {
			return st.FromModel
		}
	}
	return "unreadable: " + err.Error()
}
