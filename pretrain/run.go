package pretrain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/outdir"
	"github.com/hourglass-ml/hourglass/internal/progress"
	"github.com/hourglass-ml/hourglass/model"
)

// Options are how a run is driven, beside its configuration.
type Options struct {
	// Restart discards an existing checkpoint instead of resuming from it.
	Restart bool
	// Log receives progress: a bar on a terminal, plain lines otherwise.
	// nil discards it.
	Log io.Writer
	// Splits, when set, is used instead of loading the data (tests).
	Splits *data.Splits
	// LookupEnv finds HOURGLASS_DATA; nil means the process environment.
	LookupEnv func(string) (string, bool)
	// StopAfterSteps, when > 0, stops (as an interrupt would) after that
	// many steps of this session: tests use it to interrupt at a known point.
	StopAfterSteps int
}

// ErrInterrupted is returned when ctx is cancelled (Ctrl-C, SIGTERM): the
// run saved its state and can be resumed by running it again.
var ErrInterrupted = errors.New("pretraining interrupted")

// ErrNotFinite is returned when the loss becomes NaN or infinite.
var ErrNotFinite = errors.New("loss is not finite")

// Dir is the stage's output folder for a configuration.
func Dir(cfg *config.Config) string { return filepath.Join(cfg.OutputDir, "pretrain") }

// Run trains the autoencoder as cfg says and writes everything into
// <output_dir>/pretrain. A previous run's checkpoint is resumed unless
// o.Restart is set.
func Run(ctx context.Context, cfg *config.Config, o Options) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	dir := Dir(cfg)
	lock, err := outdir.Open(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if o.Restart {
		for _, d := range []string{LastCheckpoint, BestCheckpoint} {
			os.RemoveAll(filepath.Join(dir, d))
			os.RemoveAll(filepath.Join(dir, d+".old"))
		}
	}
	if err := checkResumable(dir, cfg); err != nil {
		return nil, err
	}
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
	r := &runner{cfg: cfg, o: o, dir: dir, splits: splits, be: be}
	if err := r.start(); err != nil {
		return nil, err
	}
	return r.train(ctx)
}

// trainingKeys are the sections whose change makes a checkpoint
// incompatible (epochs and patience may change to extend a run).
func trainingKeys(c *config.Config) any {
	p := c.Pretrain
	p.Epochs, p.Patience, p.Reconstructions = 0, 0, 0
	return struct {
		Seed     int64
		Data     config.Data
		Pretrain config.Pretrain
	}{c.Seed, c.Data, p}
}

// checkResumable refuses to resume a checkpoint made with other settings.
func checkResumable(dir string, cfg *config.Config) error {
	if _, ok := checkpointPath(filepath.Join(dir, LastCheckpoint)); !ok {
		return nil
	}
	prev, err := config.Load(config.Options{File: filepath.Join(dir, "config.yaml"), LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		return fmt.Errorf("cannot resume %s: its config.yaml: %w (rerun with --restart to start over)", dir, err)
	}
	if !reflect.DeepEqual(trainingKeys(prev), trainingKeys(cfg)) {
		return fmt.Errorf("%s holds a checkpoint trained with other data, seed or pretrain settings (see its config.yaml); "+
			"rerun with --restart to discard it, or set another output_dir", dir)
	}
	return nil
}

// runner holds one run's moving parts.
type runner struct {
	be     backends.Backend
	cfg    *config.Config
	o      Options
	dir    string
	splits *data.Splits
	e      *Engine
	st     *State
	best   map[string]*tensors.Tensor // best weights, in memory
}

func (r *runner) engineOptions(seed int64) EngineOptions {
	p := r.cfg.Pretrain
	return EngineOptions{Seed: seed, LearningRate: p.LearningRate, Beta1: p.Beta1, Beta2: p.Beta2, Epsilon: p.Epsilon}
}

// start resumes from the last checkpoint or draws fresh weights.
func (r *runner) start() error {
	last := filepath.Join(r.dir, LastCheckpoint)
	if path, ok := checkpointPath(last); ok {
		st, err := readState(path) // first: the engine needs the seed its weights were drawn with
		if err != nil {
			return err
		}
		if r.e, err = NewEngine(r.be, r.engineOptions(st.InitSeed)); err != nil {
			return err
		}
		if err := attachCheckpoint(r.e, path); err != nil {
			return err
		}
		r.st = st
		fmt.Fprintf(r.o.Log, "resuming %s at epoch %d, step %d\n", r.dir, st.Epoch+1, st.Step)
		return r.loadBest()
	}
	seed, err := r.liveInit()
	if err != nil {
		return err
	}
	r.st = &State{InitSeed: seed}
	return nil
}

// liveInit draws initial weights, redrawing (with derived seeds) while the
// untrained model outputs zero for every pixel of a sample batch: with
// PyTorch's initialisation the final ReLU starts dead for some seeds, and
// then no gradient ever flows.
func (r *runner) liveInit() (int64, error) {
	sample := Images(r.splits.Train.Slice(0, min(64, r.splits.Train.Len())).Images)
	for try := int64(0); try < 20; try++ {
		seed := r.cfg.Seed + try*1_000_003
		e, err := NewEngine(r.be, r.engineOptions(seed))
		if err != nil {
			return 0, err
		}
		out, err := e.Reconstruct(sample)
		if err != nil {
			return 0, err
		}
		if anyPositive(tensors.MustCopyFlatData[float32](out)) {
			r.e = e
			if try > 0 {
				fmt.Fprintf(r.o.Log, "initialisation with seed %d had a dead output layer (all-zero reconstructions); using seed %d\n", r.cfg.Seed, seed)
			}
			return seed, nil
		}
	}
	return 0, fmt.Errorf("20 initialisations all gave all-zero reconstructions: check the data (are the pixels all zero?)")
}

func anyPositive(xs []float32) bool {
	for _, x := range xs {
		if x > 0 {
			return true
		}
	}
	return false
}

// loadBest reads the best checkpoint's weights into memory, if any.
func (r *runner) loadBest() error {
	p, ok := checkpointPath(filepath.Join(r.dir, BestCheckpoint))
	if !ok {
		return nil
	}
	e, err := NewEngine(r.be, r.engineOptions(r.st.InitSeed))
	if err != nil {
		return err
	}
	if err := attachCheckpoint(e, p); err != nil {
		return err
	}
	// Build a graph so the lazily loaded variables exist.
	if _, err := e.Loss(Images(r.splits.Validation.Slice(0, 1).Images)); err != nil {
		return err
	}
	r.best = e.Weights()
	return nil
}

// learningRate is the rate for global step t of total.
func (r *runner) learningRate(t, total int) float64 {
	lr := r.cfg.Pretrain.LearningRate
	if r.cfg.Pretrain.Schedule == "cosine" && total > 0 {
		return lr * 0.5 * (1 + math.Cos(math.Pi*float64(t)/float64(total)))
	}
	return lr
}

func (r *runner) train(ctx context.Context) (*Summary, error) {
	p := r.cfg.Pretrain
	train := r.splits.Train
	if train.Len() == 0 {
		return nil, fmt.Errorf("the training split is empty")
	}
	steps := (train.Len() + p.BatchSize - 1) / p.BatchSize
	total := p.Epochs * steps
	sessionSteps := 0
	for epoch := r.st.Epoch; epoch < p.Epochs && !r.st.StoppedEarly; epoch++ {
		perm := data.NewRand(r.cfg.Seed, 100+uint64(epoch)).Perm(train.Len())
		bar := progress.New(r.o.Log, fmt.Sprintf("epoch %d/%d", epoch+1, p.Epochs), int64(steps), " steps")
		bar.Add(int64(r.st.Step))
		epochStart := time.Now()
		r0 := r.st.Step // steps of this epoch done before this session
		lr := 0.0
		for step := r.st.Step; step < steps; step++ {
			if err := ctx.Err(); err != nil || (r.o.StopAfterSteps > 0 && sessionSteps >= r.o.StopAfterSteps) {
				bar.Finish()
				r.st.Seconds += time.Since(epochStart).Seconds() // this session's part of the epoch
				return nil, r.interrupt(epoch, step)
			}
			lr = r.learningRate(epoch*steps+step, total)
			if err := r.e.SetLearningRate(lr); err != nil {
				return nil, err
			}
			idx := perm[step*p.BatchSize : min((step+1)*p.BatchSize, train.Len())]
			loss, err := r.e.TrainStep(Images(train.Subset(idx).Images))
			if err != nil {
				return nil, err
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				bar.Finish()
				return nil, fmt.Errorf("%w: the loss became %v at epoch %d, step %d (learning rate %g); "+
					"the last good checkpoint is kept in %s: try a lower pretrain.learning_rate, e.g. --set pretrain.learning_rate=%g, and --restart",
					ErrNotFinite, loss, epoch+1, step+1, lr, filepath.Join(r.dir, LastCheckpoint), p.LearningRate/10)
			}
			r.st.Step = step + 1
			r.st.StepLosses += loss * float64(len(idx))
			r.st.StepImages += len(idx)
			sessionSteps++
			el := time.Since(epochStart).Seconds()
			bar.SetStatus(fmt.Sprintf("loss %.5f, %.0f img/s", loss, float64((step+1-r0)*p.BatchSize)/max(el, 1e-9)))
			bar.Add(1)
		}
		bar.Finish()
		val, err := r.e.MeanLoss(r.splits.Validation, 1000)
		if err != nil {
			return nil, err
		}
		m := EpochMetrics{Epoch: epoch + 1, TrainLoss: r.st.StepLosses / float64(max(r.st.StepImages, 1)), ValLoss: val,
			Seconds: time.Since(epochStart).Seconds(), LearningRate: lr}
		r.st.History = append(r.st.History, m)
		r.st.Epoch, r.st.Step, r.st.StepLosses, r.st.StepImages = epoch+1, 0, 0, 0
		fmt.Fprintf(r.o.Log, "epoch %d/%d: train loss %.5f, validation loss %.5f (%.0fs)\n", m.Epoch, p.Epochs, m.TrainLoss, m.ValLoss, m.Seconds)
		if r.splits.Validation.Len() > 0 && (r.st.BestEpoch == 0 || val < r.st.BestVal) {
			r.st.BestVal, r.st.BestEpoch = val, epoch+1
			r.best = r.e.Weights()
			if err := saveCheckpoint(r.e, filepath.Join(r.dir, BestCheckpoint), r.st); err != nil {
				return nil, err
			}
		}
		if shouldStop(epoch+1, r.st.BestEpoch, p.Patience) {
			fmt.Fprintf(r.o.Log, "early stopping: validation loss has not improved for %d epochs (best %.5f at epoch %d)\n",
				p.Patience, r.st.BestVal, r.st.BestEpoch)
			r.st.StoppedEarly = true
		}
		r.st.Seconds += time.Since(epochStart).Seconds()
		if err := r.saveEpoch(); err != nil {
			return nil, err
		}
	}
	return r.finish()
}

// shouldStop says whether early stopping ends training after epoch (1-based):
// patience epochs have passed without a new best validation loss.
func shouldStop(epoch, bestEpoch, patience int) bool {
	return patience > 0 && bestEpoch > 0 && epoch-bestEpoch >= patience
}

// interrupt saves the position and returns ErrInterrupted.
func (r *runner) interrupt(epoch, step int) error {
	r.st.Epoch, r.st.Step = epoch, step
	if err := saveCheckpoint(r.e, filepath.Join(r.dir, LastCheckpoint), r.st); err != nil {
		return fmt.Errorf("interrupted, and saving the checkpoint failed: %w", err)
	}
	return fmt.Errorf("%w at epoch %d, step %d; state saved in %s: run the same command again to resume",
		ErrInterrupted, epoch+1, step, filepath.Join(r.dir, LastCheckpoint))
}

// saveEpoch writes the last checkpoint, metrics and loss plot.
func (r *runner) saveEpoch() error {
	if err := saveCheckpoint(r.e, filepath.Join(r.dir, LastCheckpoint), r.st); err != nil {
		return err
	}
	if err := writeMetrics(filepath.Join(r.dir, "metrics.csv"), filepath.Join(r.dir, "metrics.json"), r.st.History); err != nil {
		return err
	}
	return writeLossPlot(filepath.Join(r.dir, "loss.png"), r.st.History)
}

// finish restores the best weights when early stopping is on, evaluates the
// test set and writes the reconstructions and summary.
func (r *runner) finish() (*Summary, error) {
	p := r.cfg.Pretrain
	if p.Patience > 0 && r.best != nil {
		if err := r.e.SetWeights(r.best); err != nil {
			return nil, err
		}
	}
	test, err := r.e.MeanLoss(r.splits.Test, 1000)
	if err != nil {
		return nil, err
	}
	if n := min(p.Reconstructions, r.splits.Test.Len()); n > 0 {
		orig := r.splits.Test.Slice(0, n).Images
		rec, err := r.e.Reconstruct(Images(orig))
		if err != nil {
			return nil, err
		}
		if err := writeReconstructions(filepath.Join(r.dir, "reconstructions.png"), orig, tensors.MustCopyFlatData[float32](rec), n, 3); err != nil {
			return nil, err
		}
	}
	h := r.st.History
	s := &Summary{Epochs: len(h), BestVal: r.st.BestVal, BestEpoch: r.st.BestEpoch, TestMSE: test, StoppedEarly: r.st.StoppedEarly,
		WallSeconds: r.st.Seconds, Parameters: model.TotalParams(model.Summary()), Backend: r.cfg.Backend, InitSeed: r.st.InitSeed,
		TrainImages: r.splits.Train.Len(), ValImages: r.splits.Validation.Len(), TestImages: r.splits.Test.Len(),
		BatchSize: p.BatchSize, LearningRate: p.LearningRate, Schedule: p.Schedule,
		CheckpointDir: filepath.Join(r.dir, LastCheckpoint)}
	if len(h) > 0 {
		s.FinalTrain, s.FinalVal = h[len(h)-1].TrainLoss, h[len(h)-1].ValLoss
	}
	if p.Patience > 0 && r.best != nil {
		s.CheckpointDir = filepath.Join(r.dir, BestCheckpoint)
	}
	if err := saveCheckpoint(r.e, filepath.Join(r.dir, LastCheckpoint), r.st); err != nil {
		return nil, err
	}
	fmt.Fprintf(r.o.Log, "test MSE %.5f after %d epochs\n", test, len(h))
	return s, atomicfile.WriteJSON(filepath.Join(r.dir, "summary.json"), s)
}
