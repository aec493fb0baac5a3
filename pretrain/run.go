package pretrain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/base/progress"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/stage"
	"github.com/hourglass-ml/hourglass/model"
)

// ErrInterrupted is returned when ctx is cancelled (Ctrl-C, SIGTERM): the
// run saved its state and can be resumed by running it again.
var ErrInterrupted = engine.ErrInterrupted

// ErrNotFinite is returned when the loss becomes NaN or infinite.
var ErrNotFinite = errors.New("loss is not finite")

// State is where training stands; it is saved with every checkpoint.
type State struct {
	engine.Progress
	InitSeed   int64                  `json:"init_seed"`   // seed the weights were drawn with
	Redrawn    bool                   `json:"redrawn"`     // the first initialisation died in training and was drawn again
	StepLosses float64                `json:"step_losses"` // sum of this epoch's step losses so far
	StepImages int                    `json:"step_images"` // images in that sum
	Seconds    float64                `json:"seconds"`     // training time before this session
	History    []results.EpochMetrics `json:"history"`
	// From is pretrain.from when training started from another model's
	// weights, FromModel that model's engine.ModelHash (a resumed run
	// refuses a source that has changed since) and FromEpochs the epochs
	// it was trained there.
	From       string `json:"from,omitempty"`
	FromModel  string `json:"from_model,omitempty"`
	FromEpochs int    `json:"from_epochs,omitempty"`
	FromData   string `json:"from_data,omitempty"` // the data it was trained on
}

// Run trains the autoencoder as cfg says and writes everything into the
// pretrain folder. A previous run's checkpoint is resumed unless
// env.Restart is set. With pretrain.from, training starts from that
// model's weights rather than random ones.
func Run(ctx context.Context, cfg *config.Config, env stage.Env) (*results.Pretraining, error) {
	var src *origin
	inputs := func(cfg *config.Config) error {
		if cfg.Pretrain.From == "" {
			return nil
		}
		o, err := source(cfg)
		src = &o
		return err
	}
	p, err := stage.Prepare(layout.Pretrain, cfg, env, stage.Options{Backend: true, Inputs: inputs, Check: func(string) error {
		run := layout.At(cfg.OutputDir)
		if env.Restart {
			for _, d := range []string{run.LastCheckpoint(), run.BestCheckpoint()} {
				os.RemoveAll(d)
				os.RemoveAll(d + ".old")
			}
		}
		return checkResumable(run, cfg, src)
	}})
	if err != nil {
		return nil, err
	}
	defer p.Release()
	r := &runner{cfg: cfg, p: p, src: src}
	if err := r.start(); err != nil {
		return nil, err
	}
	for {
		s, err := r.train(ctx)
		if !errors.Is(err, errDied) {
			return s, err
		}
		if r.st.Redrawn {
			return nil, fmt.Errorf("pretraining: the output layer died again (every reconstruction 0, so no gradient flows: the last layer is a ReLU) in the first %d steps of a second initialisation (seed %d); "+
				"a lower pretrain.learning_rate (e.g. --set pretrain.learning_rate=%g), another seed, or more filters in model.filters make it likelier to live",
				r.diedAt, r.st.InitSeed, cfg.Pretrain.LearningRate/10)
		}
		fmt.Fprintf(p.Log, "the output layer died in the first %d steps (every reconstruction 0: no gradient flows); drawing the initialisation again\n", r.diedAt)
		seed, err := r.liveInit(r.st.InitSeed + 1_000_003)
		if err != nil {
			return nil, err
		}
		r.st, r.best = &State{InitSeed: seed, Redrawn: true}, nil
	}
}

// deathCheck is the step after which pretraining checks that the output
// layer still passes gradient: a ReLU output that is 0 for every pixel of
// a sample batch has died, and training it further changes nothing.
const deathCheck = 20

// errDied says the output layer died in the first steps.
var errDied = errors.New("the output layer died")

// Stage is pretraining as a pipeline stage.
var Stage = stage.Define(layout.Pretrain, nil, settings, Inputs, Run)

// trainingKeys are the settings whose change makes a checkpoint
// incompatible (epochs and patience may change to extend a run).
func trainingKeys(c *config.Config) trainingSettings {
	p := c.Pretrain
	p.Epochs, p.Patience, p.Reconstructions = 0, 0, 0
	return trainingSettings{c.Seed, c.Data, p}
}

// trainingSettings are trainingKeys' values.
type trainingSettings struct {
	Seed     int64
	Data     config.Data
	Pretrain config.Pretrain
}

// checkResumable refuses to resume a checkpoint made with other settings,
// or from another model than src (pretrain.from's, nil without it).
func checkResumable(run layout.Run, cfg *config.Config, src *origin) error {
	last, ok := layout.CheckpointPath(run.LastCheckpoint())
	if !ok {
		return nil
	}
	dir := run.StageDir(layout.Pretrain)
	prev, err := config.Load(config.Options{File: run.Config(layout.Pretrain), LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		return fmt.Errorf("cannot resume %s: its config.yaml: %w (rerun with --restart to start over)", dir, err)
	}
	if was, now := prev.Spec(), cfg.Spec(); !was.Equal(now) {
		return fmt.Errorf("%s holds a checkpoint of another model (%s) than the configuration asks for (%s); "+
			"rerun with --restart to discard it, set the model section back, or set another output_dir", dir, was, now)
	}
	if !reflect.DeepEqual(trainingKeys(prev), trainingKeys(cfg)) {
		return fmt.Errorf("%s holds a checkpoint trained with other data, seed or pretrain settings (%s; see its config.yaml); "+
			"rerun with --restart to discard it, or set another output_dir", dir, changedSettings(prev, cfg))
	}
	if src != nil {
		var st State
		if err := engine.ReadState(last, &st); err != nil {
			return err
		}
		if st.FromModel != src.hash {
			return fmt.Errorf("%s holds a checkpoint trained from the weights pretrain.from %s held before: that model has changed since (pretrained again?); "+
				"rerun with --restart (`hourglass run --force pretrain`) to start over from its weights now, or set another output_dir", dir, cfg.Pretrain.From)
		}
	}
	return nil
}

// runner holds one run's moving parts.
type runner struct {
	cfg  *config.Config
	p    *stage.Prepared
	src  *origin // pretrain.from's model, nil without it
	e    *engine.Engine
	st   *State
	best engine.Weights // best weights, in memory
	// diedAt is the step at which the output layer was found dead.
	diedAt int
}

func (r *runner) engineOptions(seed int64) engine.Options {
	return engine.FromConfig(r.cfg, seed)
}

// klWeight is the VAE's KL weight at global step t: pretrain.beta, reached
// linearly over the first pretrain.kl_warmup epochs of steps per epoch.
func (r *runner) klWeight(t, steps int) float64 {
	p := r.cfg.Pretrain
	if p.KLWarmup == 0 || steps == 0 {
		return p.Beta
	}
	return p.Beta * min(1, float64(t)/float64(p.KLWarmup*steps))
}

// start resumes from the last checkpoint or draws fresh weights.
func (r *runner) start() error {
	if path, ok := layout.CheckpointPath(r.p.Run.LastCheckpoint()); ok {
		st := &State{}
		if err := engine.ReadState(path, st); err != nil { // first: the engine needs the seed its weights were drawn with
			return err
		}
		var err error
		if r.e, err = engine.New(r.p.Backend, r.engineOptions(st.InitSeed)); err != nil {
			return err
		}
		if err := engine.Attach(r.e.Ctx, path); err != nil {
			return err
		}
		r.st = st
		fmt.Fprintf(r.p.Log, "resuming %s at epoch %d, step %d\n", r.p.Dir, st.Epoch+1, st.Step)
		return r.loadBest()
	}
	if r.src != nil {
		return r.startFrom()
	}
	if r.cfg.Pretrain.Model == "vae" { // sigmoid outputs: never a dead output layer
		e, err := engine.New(r.p.Backend, r.engineOptions(r.cfg.Seed))
		r.e, r.st = e, &State{InitSeed: r.cfg.Seed}
		return err
	}
	seed, err := r.liveInit(r.cfg.Seed)
	if err != nil {
		return err
	}
	r.st = &State{InitSeed: seed}
	return nil
}

// startFrom starts from the weights of pretrain.from's model, with a fresh
// optimiser (this experiment's settings) and the experiment's seed for
// anything random.
func (r *runner) startFrom() error {
	e, err := engine.New(r.p.Backend, r.engineOptions(r.cfg.Seed))
	if err != nil {
		return err
	}
	if _, err := e.LoadWeights(r.src.dir); err != nil {
		return fmt.Errorf("pretrain.from %s: %w", r.cfg.Pretrain.From, err)
	}
	r.e = e
	r.st = &State{InitSeed: r.cfg.Seed, From: r.cfg.Pretrain.From, FromModel: r.src.hash, FromEpochs: r.src.epochs, FromData: r.src.data}
	fmt.Fprintf(r.p.Log, "starting from the weights of %s (%s)\n", r.cfg.Pretrain.From, r.src.dir)
	return nil
}

// liveInit draws initial weights, redrawing (with derived seeds) while the
// untrained model outputs zero for every pixel of a sample batch: with
// PyTorch's initialisation the final ReLU starts dead for some seeds, and
// then no gradient ever flows.
// The seeds tried are first, first + 1,000,003, and so on: a live first
// draw is the seed's own, so a live start draws what it always drew.
func (r *runner) liveInit(first int64) (int64, error) {
	for try := int64(0); try < 20; try++ {
		seed := first + try*1_000_003
		e, err := engine.New(r.p.Backend, r.engineOptions(seed))
		if err != nil {
			return 0, err
		}
		dead, err := r.outputDead(e)
		if err != nil {
			return 0, err
		}
		if !dead {
			r.e = e
			if try > 0 {
				fmt.Fprintf(r.p.Log, "initialisation with seed %d had a dead output layer (all-zero reconstructions); using seed %d\n", first, seed)
			}
			return seed, nil
		}
	}
	return 0, fmt.Errorf("20 initialisations all gave all-zero reconstructions: check the data (are the pixels all zero?)")
}

// outputDead says whether e reconstructs every pixel of a sample batch of
// training images as 0 (a VAE's sigmoid output never is).
func (r *runner) outputDead(e *engine.Engine) (bool, error) {
	if e.Options().IsVAE() {
		return false, nil
	}
	out, err := e.Reconstruct(engine.Batch(r.p.Splits.Train.Slice(0, min(64, r.p.Splits.Train.Len()))))
	if err != nil {
		return false, err
	}
	return !anyPositive(tensors.MustCopyFlatData[float32](out)), nil
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
	p, ok := layout.CheckpointPath(r.p.Run.BestCheckpoint())
	if !ok {
		return nil
	}
	e, err := engine.New(r.p.Backend, r.engineOptions(r.st.InitSeed))
	if err != nil {
		return err
	}
	if err := engine.Attach(e.Ctx, p); err != nil {
		return err
	}
	// Build a graph so the lazily loaded variables exist.
	if _, err := e.Loss(engine.Batch(r.p.Splits.Validation.Slice(0, 1))); err != nil {
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

func (r *runner) train(ctx context.Context) (*results.Pretraining, error) {
	p := r.cfg.Pretrain
	train := r.p.Splits.Pretraining()
	if train.Len() == 0 {
		return nil, fmt.Errorf("the training split is empty")
	}
	if n := r.p.Splits.UnlabelledLen(); n > 0 {
		fmt.Fprintf(r.p.Log, "pretraining on %d images: %d training images (labels unused) and %d from the unlabelled pool %s\n",
			train.Len(), r.p.Splits.Train.Len(), n, r.cfg.Data.Unlabelled)
	}
	steps := (train.Len() + p.BatchSize - 1) / p.BatchSize
	var (
		perm       []int
		bar        *progress.Bar
		epochStart time.Time
		first, lr  = 0, 0.0
		klw        float64
	)
	loop := &engine.Loop{
		Name: layout.Pretrain, Epochs: p.Epochs, Steps: steps, Patience: p.Patience,
		StartEpoch: func(epoch int, pr *engine.Progress) error {
			perm = data.NewRand(r.cfg.Seed, 100+uint64(epoch)).Perm(train.Len())
			bar = progress.New(r.p.Log, fmt.Sprintf("epoch %d/%d", epoch+1, p.Epochs), int64(steps), " steps")
			bar.Add(int64(pr.Step))
			epochStart, first = time.Now(), pr.Step
			return nil
		},
		Step: func(epoch, step int) error {
			lr = r.learningRate(epoch*steps+step, p.Epochs*steps)
			if err := r.e.SetLearningRate(lr); err != nil {
				return err
			}
			if r.e.Options().IsVAE() {
				klw = r.klWeight(epoch*steps+step, steps)
				if err := r.e.SetKLWeight(klw); err != nil {
					return err
				}
			}
			idx := perm[step*p.BatchSize : min((step+1)*p.BatchSize, train.Len())]
			loss, err := r.e.TrainStep(engine.Batch(train.Subset(idx)))
			if err != nil {
				return err
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				bar.Finish()
				return fmt.Errorf("%w: the loss became %v at epoch %d, step %d (learning rate %g); "+
					"the last good checkpoint is kept in %s: try a lower pretrain.learning_rate, e.g. --set pretrain.learning_rate=%g, and --restart",
					ErrNotFinite, loss, epoch+1, step+1, lr, r.p.Run.LastCheckpoint(), p.LearningRate/10)
			}
			taken := epoch*steps + step + 1
			hooks.Weights(ctx, taken, r.e.Ctx)
			// (A model taken from pretrain.from is trained as it is.)
			if taken == min(deathCheck, steps) && r.st.History == nil && r.st.From == "" {
				if dead, err := r.outputDead(r.e); err != nil || dead {
					bar.Finish()
					r.diedAt = taken
					return cmp.Or(err, errDied)
				}
			}
			r.st.StepLosses += loss * float64(len(idx))
			r.st.StepImages += len(idx)
			el := time.Since(epochStart).Seconds()
			bar.SetStatus(fmt.Sprintf("loss %.5f, %.0f img/s", loss, float64((step+1-first)*p.BatchSize)/max(el, 1e-9)))
			bar.Add(1)
			return nil
		},
		Score: func(epoch int) (float64, bool, error) {
			bar.Finish()
			recon, kl, err := r.e.MeanParts(r.p.Splits.Validation, 1000)
			if err != nil {
				return 0, false, err
			}
			val := recon + kl
			m := results.EpochMetrics{Epoch: epoch + 1, TrainLoss: r.st.StepLosses / float64(max(r.st.StepImages, 1)), ValLoss: val,
				Seconds: time.Since(epochStart).Seconds(), LearningRate: lr}
			if r.e.Options().IsVAE() {
				m.ValRecon, m.ValKL, m.KLWeight = recon, kl, klw
			}
			r.st.History = append(r.st.History, m)
			r.st.StepLosses, r.st.StepImages = 0, 0
			fmt.Fprintf(r.p.Log, "epoch %d/%d: train loss %.5f, validation loss %.5f (%.0fs)\n", m.Epoch, p.Epochs, m.TrainLoss, m.ValLoss, m.Seconds)
			return val, r.p.Splits.Validation.Len() > 0, nil
		},
		Improved: func(pr *engine.Progress) error {
			r.best = r.e.Weights()
			r.st.Progress = *pr
			return r.e.SaveCheckpoint(r.p.Run.BestCheckpoint(), r.st)
		},
		EndEpoch: func(pr *engine.Progress) error {
			r.st.Progress = *pr
			if pr.StoppedEarly {
				fmt.Fprintf(r.p.Log, "early stopping: validation loss has not improved for %d epochs (best %.5f at epoch %d)\n",
					p.Patience, pr.Best, pr.BestEpoch)
			}
			r.st.Seconds += time.Since(epochStart).Seconds()
			return r.saveEpoch()
		},
		Interrupted: func(pr *engine.Progress) error {
			bar.Finish()
			r.st.Progress = *pr
			r.st.Seconds += time.Since(epochStart).Seconds() // this session's part of the epoch
			if err := r.e.SaveCheckpoint(r.p.Run.LastCheckpoint(), r.st); err != nil {
				return fmt.Errorf("interrupted, and saving the checkpoint failed: %w", err)
			}
			return fmt.Errorf("pretraining %w at epoch %d, step %d; state saved in %s: run the same command again to resume",
				ErrInterrupted, pr.Epoch+1, pr.Step, r.p.Run.LastCheckpoint())
		},
	}
	pr := r.st.Progress
	if pr == (engine.Progress{}) {
		hooks.Weights(ctx, 0, r.e.Ctx) // the weights training starts from
	}
	if err := loop.Run(ctx, &pr); err != nil {
		return nil, err
	}
	r.st.Progress = pr
	return r.finish()
}

// reconstructAll reconstructs every image of a set, in batches, with each
// image's mean squared error.
func (r *runner) reconstructAll(s *data.Set) ([]shown, error) {
	out := make([]shown, 0, s.Len())
	px := s.ImageShape().Values()
	for from := 0; from < s.Len(); from += 1000 {
		to := min(from+1000, s.Len())
		rec, err := r.e.Reconstruct(engine.Batch(s.Slice(from, to)))
		if err != nil {
			return nil, err
		}
		vals := tensors.MustCopyFlatData[float32](rec)
		for i := from; i < to; i++ {
			orig, reco := s.Image(i), vals[(i-from)*px:(i-from+1)*px]
			var e float64
			for j, v := range orig {
				d := float64(reco[j] - v)
				e += d * d
			}
			out = append(out, shown{index: i, orig: orig, reco: reco, mse: e / float64(px)})
		}
	}
	return out, nil
}

// meanMSE is the mean of the per-image errors (every image has as many
// pixels): the test MSE.
func meanMSE(all []shown) float64 {
	var s float64
	for _, x := range all {
		s += x.mse
	}
	return s / float64(max(len(all), 1))
}

// saveEpoch writes the last checkpoint, metrics and loss plot.
func (r *runner) saveEpoch() error {
	run := r.p.Run
	if err := r.e.SaveCheckpoint(run.LastCheckpoint(), r.st); err != nil {
		return err
	}
	if err := writeMetrics(run.MetricsCSV(), run.MetricsJSON(), r.st.History); err != nil {
		return err
	}
	return writeLossPlot(run.LossPlot(), r.st.History, r.cfg.Pretrain.Model == "vae")
}

// finish restores the best weights when early stopping is on, evaluates the
// test set and writes the reconstructions, the model checkpoint and the
// summary.
func (r *runner) finish() (*results.Pretraining, error) {
	p, run := r.cfg.Pretrain, r.p.Run
	if p.Patience > 0 && r.best != nil {
		if err := r.e.SetWeights(r.best); err != nil {
			return nil, err
		}
	}
	testRecon, testKL, err := r.e.MeanParts(r.p.Splits.Test, 1000)
	if err != nil {
		return nil, err
	}
	test := testRecon + testKL
	all, err := r.reconstructAll(r.p.Splits.Test)
	if err != nil {
		return nil, err
	}
	if n := min(p.Reconstructions, len(all)); n > 0 {
		if err := writeReconstructions(run.Reconstructions(), r.cfg.Spec().Input, all[:n], worst(all, n), p.Model == "vae"); err != nil {
			return nil, err
		}
	}
	h := r.st.History
	params, err := model.SummaryOf(r.cfg.Spec())
	if err != nil {
		return nil, err
	}
	s := &results.Pretraining{Epochs: len(h), BestVal: r.st.Best, BestEpoch: r.st.BestEpoch, TestMSE: meanMSE(all), StoppedEarly: r.st.StoppedEarly,
		Model: p.Model, TestLoss: test, WallSeconds: r.st.Seconds, Parameters: model.TotalParams(params), Backend: r.cfg.Backend, InitSeed: r.st.InitSeed,
		TrainImages: r.p.Splits.Train.Len(), UnlabelledImages: r.p.Splits.UnlabelledLen(), ValImages: r.p.Splits.Validation.Len(), TestImages: r.p.Splits.Test.Len(),
		BatchSize: p.BatchSize, LearningRate: p.LearningRate, Schedule: p.Schedule, CheckpointDir: run.ModelCheckpoint(),
		From: r.st.From, FromEpochs: r.st.FromEpochs, FromData: r.st.FromData}
	if len(h) > 0 {
		s.FinalTrain, s.FinalVal = h[len(h)-1].TrainLoss, h[len(h)-1].ValLoss
	} else if err := r.untrained(s); err != nil {
		return nil, err
	}
	if p.Model == "vae" {
		s.Latent, s.TestRecon, s.TestKL = r.cfg.Spec().Latent(), testRecon, testKL
	}
	if err := r.e.SaveCheckpoint(run.ModelCheckpoint(), r.st); err != nil {
		return nil, err
	}
	if p.Model == "vae" {
		fmt.Fprintf(r.p.Log, "test negative ELBO %.2f nats per image (reconstruction %.2f + KL %.2f), MSE of the decoded means %.5f, after %d epochs\n",
			test, testRecon, testKL, s.TestMSE, len(h))
	} else {
		fmt.Fprintf(r.p.Log, "test MSE %.5f after %d epochs\n", test, len(h))
	}
	return s, atomicfile.WriteJSON(run.PretrainSummary(), s)
}

// untrained fills in what epochs would have for a model taken as it is
// (pretrain.from with pretrain.epochs 0): its losses on the training and
// validation images, the validation loss as the best, and the files a
// training run writes after its epochs: metrics without rows, and no loss
// curve (a stale one is removed).
func (r *runner) untrained(s *results.Pretraining) error {
	run := r.p.Run
	recon, kl, err := r.e.MeanParts(r.p.Splits.Pretraining(), 1000)
	if err != nil {
		return err
	}
	s.FinalTrain = recon + kl
	if r.p.Splits.Validation.Len() > 0 {
		if recon, kl, err = r.e.MeanParts(r.p.Splits.Validation, 1000); err != nil {
			return err
		}
		s.FinalVal, s.BestVal = recon+kl, recon+kl
	}
	if err := writeMetrics(run.MetricsCSV(), run.MetricsJSON(), []results.EpochMetrics{}); err != nil {
		return err
	}
	if err := os.Remove(run.LossPlot()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fmt.Fprintf(r.p.Log, "pretrain.epochs is 0: the model of %s as it is, train loss %.5f, validation loss %.5f\n", r.cfg.Pretrain.From, s.FinalTrain, s.FinalVal)
	return nil
}

// changedSettings says which of the settings a checkpoint depends on
// differ between prev (the checkpoint's) and cfg: "pretrain.from was
// runs/a, now runs/b", else the sections ("data changed").
func changedSettings(prev, cfg *config.Config) string {
	var out []string
	if prev.Seed != cfg.Seed {
		out = append(out, fmt.Sprintf("seed was %d, now %d", prev.Seed, cfg.Seed))
	}
	if !reflect.DeepEqual(prev.Data, cfg.Data) {
		out = append(out, "data changed")
	}
	a, b := trainingKeys(prev).Pretrain, trainingKeys(cfg).Pretrain
	if a.From != b.From {
		out = append(out, fmt.Sprintf("pretrain.from was %q, now %q", a.From, b.From))
		a.From, b.From = "", ""
	}
	if !reflect.DeepEqual(a, b) {
		out = append(out, "pretrain changed")
	}
	return strings.Join(out, "; ")
}
