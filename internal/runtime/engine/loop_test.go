package engine

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// scripted runs a loop whose scores come from a list, recording calls.
type scripted struct {
	scores   []float64
	steps    [][2]int
	improved []int
	ended    []int
}

func (s *scripted) loop(epochs, steps, patience int, maximize bool) *Loop {
	return &Loop{
		Name: "test", Epochs: epochs, Steps: steps, Patience: patience, Maximize: maximize,
		Step:     func(e, st int) error { s.steps = append(s.steps, [2]int{e, st}); return nil },
		Score:    func(e int) (float64, bool, error) { return s.scores[e], true, nil },
		Improved: func(p *Progress) error { s.improved = append(s.improved, p.BestEpoch); return nil },
		EndEpoch: func(p *Progress) error { s.ended = append(s.ended, p.Epoch); return nil },
	}
}

// TestLoopEarlyStopping: the scores below, worked through by hand.
func TestLoopEarlyStopping(t *testing.T) {
	cases := []struct {
		name     string
		scores   []float64
		patience int
		maximize bool
		improved []int // epochs with a new best
		epochs   int   // epochs run
		stopped  bool
		best     float64
	}{
		// loss: best at 2, epochs 3 and 4 no better (a tie is no
		// improvement), patience 2 stops after epoch 4.
		{"loss", []float64{0.5, 0.4, 0.4, 0.45, 0.1, 0.1}, 2, false, []int{1, 2}, 4, true, 0.4},
		// accuracy: rises, ties, rises; patience 3 never reached.
		{"accuracy", []float64{0.5, 0.6, 0.6, 0.7, 0.65, 0.7}, 3, true, []int{1, 2, 4}, 6, false, 0.7},
		// patience 0: all epochs.
		{"no patience", []float64{0.5, 0.6, 0.7, 0.8}, 0, false, []int{1}, 4, false, 0.5},
	}
	for _, tc := range cases {
		s := &scripted{scores: tc.scores}
		p := &Progress{}
		if err := s.loop(len(tc.scores), 2, tc.patience, tc.maximize).Run(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.improved, tc.improved) || p.Epoch != tc.epochs || p.StoppedEarly != tc.stopped || p.Best != tc.best {
			t.Errorf("%s: improved at %v, %d epochs, stopped %v, best %v; want %v, %d, %v, %v",
				tc.name, s.improved, p.Epoch, p.StoppedEarly, p.Best, tc.improved, tc.epochs, tc.stopped, tc.best)
		}
		if len(s.steps) != 2*tc.epochs || len(s.ended) != tc.epochs {
			t.Errorf("%s: %d steps and %d epoch ends for %d epochs", tc.name, len(s.steps), len(s.ended), tc.epochs)
		}
	}
}

// TestLoopInterruptResume: cancelled before a step, the loop reports its
// position; run again from there, it does exactly the remaining steps.
func TestLoopInterruptResume(t *testing.T) {
	s := &scripted{scores: []float64{3, 2, 1}}
	ctx, cancel := context.WithCancel(context.Background())
	l := s.loop(3, 4, 0, false)
	step := l.Step
	l.Step = func(e, st int) error {
		if e == 1 && st == 1 {
			cancel() // after this step: the next check sees it
		}
		return step(e, st)
	}
	var saved Progress
	l.Interrupted = func(p *Progress) error { saved = *p; return nil }
	p := &Progress{}
	if err := l.Run(ctx, p); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if saved.Epoch != 1 || saved.Step != 2 {
		t.Fatalf("interrupted at epoch %d step %d, want 1, 2", saved.Epoch, saved.Step)
	}
	resumed := saved
	l.Step = step
	if err := l.Run(context.Background(), &resumed); err != nil {
		t.Fatal(err)
	}
	if len(s.steps) != 12 || resumed.Epoch != 3 || resumed.BestEpoch != 3 {
		t.Errorf("%d steps in all (want 12), progress %+v", len(s.steps), resumed)
	}
	for i := 1; i < len(s.steps); i++ {
		a, b := s.steps[i-1], s.steps[i]
		if b != [2]int{a[0], a[1] + 1} && b != [2]int{a[0] + 1, 0} {
			t.Fatalf("steps out of order: %v then %v", a, b)
		}
	}
}

func TestShouldStop(t *testing.T) {
	cases := []struct {
		epoch, best, patience int
		want                  bool
	}{
		{5, 5, 2, false}, // just improved
		{6, 5, 2, false}, // one epoch without improvement
		{7, 5, 2, true},  // two
		{9, 5, 0, false}, // early stopping off
		{1, 0, 1, false}, // no score yet
	}
	for _, tc := range cases {
		if got := ShouldStop(tc.epoch, tc.best, tc.patience); got != tc.want {
			t.Errorf("ShouldStop(epoch %d, best %d, patience %d) = %v", tc.epoch, tc.best, tc.patience, got)
		}
	}
}
