package pretrain

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/hourglass-ml/hourglass/internal/atomicfile"
)

// Checkpoint folder names inside <output_dir>/pretrain.
const (
	LastCheckpoint = "checkpoint-last"
	BestCheckpoint = "checkpoint-best"
	stateFile      = "state.json"
)

// State is where training stands; it is saved with every checkpoint.
type State struct {
	Epoch        int            `json:"epoch"`       // completed epochs
	Step         int            `json:"step"`        // steps done in epoch Epoch+1
	InitSeed     int64          `json:"init_seed"`   // seed the weights were drawn with
	BestVal      float64        `json:"best_val"`    // best validation loss so far
	BestEpoch    int            `json:"best_epoch"`  // its epoch (0: none yet)
	StepLosses   float64        `json:"step_losses"` // sum of this epoch's step losses so far
	StepImages   int            `json:"step_images"` // images in that sum
	Seconds      float64        `json:"seconds"`     // training time before this session
	History      []EpochMetrics `json:"history"`
	StoppedEarly bool           `json:"stopped_early"`
}

// saveCheckpoint writes the engine's variables (weights, Adam moments,
// global step) and the state into dir atomically: everything goes to a
// temporary folder first, which then replaces dir.
func saveCheckpoint(e *Engine, dir string, st *State) error {
	parent := filepath.Dir(dir)
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+"-tmp-*")
	if err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	h, err := checkpoints.Build(e.Ctx).Dir(tmp).Keep(1).Done()
	if err != nil {
		return fmt.Errorf("saving checkpoint in %s: %w", tmp, err)
	}
	if err := h.Save(); err != nil {
		return fmt.Errorf("saving checkpoint in %s: %w", tmp, err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(tmp, stateFile), b); err != nil {
		return err
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

// checkpointPath returns dir, or dir.old when a save was cut between its
// two renames.
func checkpointPath(dir string) (string, bool) {
	for _, d := range []string{dir, dir + ".old"} {
		if _, err := os.Stat(filepath.Join(d, stateFile)); err == nil {
			return d, true
		}
	}
	return "", false
}

// errNoCheckpoint means there is nothing to resume.
var errNoCheckpoint = errors.New("no checkpoint")

// loadCheckpoint reads the state and attaches the variables to a fresh
// engine (they are loaded as the graphs create them).
func loadCheckpoint(e *Engine, dir string) (*State, error) {
	path, ok := checkpointPath(dir)
	if !ok {
		return nil, errNoCheckpoint
	}
	st, err := readState(path)
	if err != nil {
		return nil, err
	}
	return st, attachCheckpoint(e, path)
}

// attachCheckpoint hands the variables of the checkpoint folder path to e.
func attachCheckpoint(e *Engine, path string) error {
	if _, err := checkpoints.Build(e.Ctx).Dir(path).Done(); err != nil {
		return fmt.Errorf("checkpoint %s is unreadable: %w (delete it, or rerun with --restart)", path, err)
	}
	return nil
}

func readState(dir string) (*State, error) {
	p := filepath.Join(dir, stateFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("checkpoint state %s: %w (rerun with --restart to start over)", p, err)
	}
	st := &State{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("checkpoint state %s is corrupt: %w (rerun with --restart to start over)", p, err)
	}
	return st, nil
}

// LoadEngine builds an engine on the weights of a checkpoint folder (for
// the later stages and for reuse of the trained model).
func LoadEngine(e *Engine, dir string) error {
	_, err := loadCheckpoint(e, dir)
	if errors.Is(err, errNoCheckpoint) {
		return fmt.Errorf("%s holds no hourglass checkpoint (run `hourglass pretrain` first)", dir)
	}
	return err
}
