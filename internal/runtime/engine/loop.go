package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/hourglass-ml/hourglass/internal/base/hooks"
)

// ErrInterrupted is returned when the context is cancelled (Ctrl-C,
// SIGTERM) during a loop: the work done so far is kept and running the
// same command again continues it.
var ErrInterrupted = errors.New("interrupted")

// Progress is where a loop stands. Pretraining saves it with every
// checkpoint, so an interrupted loop resumes at the very step it stopped.
type Progress struct {
	Epoch        int     `json:"epoch"`      // completed epochs
	Step         int     `json:"step"`       // steps done in epoch Epoch+1
	Best         float64 `json:"best_val"`   // best score so far
	BestEpoch    int     `json:"best_epoch"` // its epoch, 1-based (0: none yet)
	StoppedEarly bool    `json:"stopped_early"`
}

// Check says whether p is a position a Loop could have saved; ReadState
// checks the Progress in a state record with it.
func (p Progress) Check() error {
	if p.Epoch < 0 || p.Step < 0 || p.BestEpoch < 0 || p.BestEpoch > p.Epoch {
		return fmt.Errorf("epoch %d, step %d, best epoch %d is no position training reaches", p.Epoch, p.Step, p.BestEpoch)
	}
	return nil
}

// Loop runs epochs of steps, scores each epoch, keeps track of the best
// one and stops early after Patience epochs without a better score.
// Epochs are 0-based in the callbacks, 1-based in Progress.BestEpoch.
type Loop struct {
	Name     string // for test hooks: "pretrain", "finetune"
	Epochs   int
	Steps    int  // steps per epoch
	Patience int  // epochs without a better score before stopping; 0: never
	Maximize bool // a higher score is better (accuracy); else lower (loss)

	// StartEpoch prepares an epoch (its batch order, a progress bar); when
	// resuming, p.Step steps of it are already done. Optional.
	StartEpoch func(epoch int, p *Progress) error
	// Step trains on one batch.
	Step func(epoch, step int) error
	// Score rates the weights after an epoch; ok is false when there is
	// nothing to score on (no validation images), which never improves.
	Score func(epoch int) (score float64, ok bool, err error)
	// Improved is called on a new best score, to snapshot the weights.
	// Optional.
	Improved func(p *Progress) error
	// EndEpoch is called after every epoch with the updated progress (save
	// a checkpoint, metrics). Optional.
	EndEpoch func(p *Progress) error
	// Interrupted is called when the context is cancelled before a step,
	// to save the position; its error, wrapped around ErrInterrupted, is
	// returned. Optional.
	Interrupted func(p *Progress) error
}

// Run runs the loop from p (zero for a fresh start) until Epochs epochs
// are done or early stopping ends it.
func (l *Loop) Run(ctx context.Context, p *Progress) error {
	taken := 0
	for epoch := p.Epoch; epoch < l.Epochs && !p.StoppedEarly; epoch++ {
		if l.StartEpoch != nil {
			if err := l.StartEpoch(epoch, p); err != nil {
				return err
			}
		}
		for step := p.Step; step < l.Steps; step++ {
			if ctx.Err() != nil {
				return l.interrupt(p, epoch, step)
			}
			if err := l.Step(epoch, step); err != nil {
				return err
			}
			p.Step = step + 1
			taken++
			hooks.Step(ctx, l.Name, taken)
		}
		p.Epoch, p.Step = epoch+1, 0
		score, ok, err := l.Score(epoch)
		if err != nil {
			return err
		}
		if ok && (p.BestEpoch == 0 || l.better(score, p.Best)) {
			p.Best, p.BestEpoch = score, epoch+1
			if l.Improved != nil {
				if err := l.Improved(p); err != nil {
					return err
				}
			}
		}
		p.StoppedEarly = ShouldStop(p.Epoch, p.BestEpoch, l.Patience)
		if l.EndEpoch != nil {
			if err := l.EndEpoch(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *Loop) better(score, best float64) bool {
	if l.Maximize {
		return score > best
	}
	return score < best
}

func (l *Loop) interrupt(p *Progress, epoch, step int) error {
	p.Epoch, p.Step = epoch, step
	if l.Interrupted == nil {
		return ErrInterrupted
	}
	if err := l.Interrupted(p); err != nil {
		if errors.Is(err, ErrInterrupted) {
			return err
		}
		return errors.Join(ErrInterrupted, err)
	}
	return ErrInterrupted
}

// ShouldStop says whether early stopping ends training after epoch
// (1-based): patience epochs have passed without a new best score.
func ShouldStop(epoch, bestEpoch, patience int) bool {
	return patience > 0 && bestEpoch > 0 && epoch-bestEpoch >= patience
}
