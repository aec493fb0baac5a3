package pretrain

import (
	"testing"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
)

func realSplits(t *testing.T, trainSubset int) *data.Splits {
	t.Helper()
	s, err := data.Prepare(config.Data{Validation: 10000, TrainSubset: trainSubset}, 1, nil)
	if err != nil {
		t.Fatalf("the real Fashion-MNIST is needed for this test: %v", err)
	}
	return s
}

func newEngine(t *testing.T, seed int64) *Engine {
	t.Helper()
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultEngineOptions()
	o.Seed = seed
	e, err := NewEngine(be, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// losses trains steps minibatches of size batch, in order, and returns the
// loss of each.
func trainLosses(t *testing.T, e *Engine, s *data.Set, steps, batch int) []float64 {
	t.Helper()
	var out []float64
	for i := 0; i < steps; i++ {
		from := (i * batch) % (s.Len() - batch)
		l, err := e.TrainStep(Images(s.Slice(from, from+batch).Images))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestTrainingLowersLossOnRealData: 300 steps of batch 32 on real images
// must lower the held-out MSE well below its starting value.
func TestTrainingLowersLossOnRealData(t *testing.T) {
	s := realSplits(t, 9600)
	val := s.Validation.Slice(0, 1000)
	e := newEngine(t, 1)
	before, err := e.MeanLoss(val, 250)
	if err != nil {
		t.Fatal(err)
	}
	trainLosses(t, e, s.Train, 300, 32)
	after, err := e.MeanLoss(val, 250)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("validation MSE %.4f -> %.4f after 300 steps", before, after)
	// An all-zero reconstruction scores about 0.17 on Fashion-MNIST; the
	// mean image about 0.09. 300 steps must beat the mean image clearly.
	if !(after < 0.6*before && after < 0.06) {
		t.Errorf("validation MSE %.4f -> %.4f: training did not learn", before, after)
	}
}

func TestSameSeedSameLosses(t *testing.T) {
	s := realSplits(t, 2000)
	a := trainLosses(t, newEngine(t, 3), s.Train, 15, 64)
	b := trainLosses(t, newEngine(t, 3), s.Train, 15, 64)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("step %d: loss %v then %v with the same seed", i, a[i], b[i])
		}
	}
	c := trainLosses(t, newEngine(t, 4), s.Train, 15, 64)
	if c[0] == a[0] {
		t.Errorf("seeds 3 and 4 start from the same loss %v: is the seed used?", a[0])
	}
}
