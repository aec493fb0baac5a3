package pretrain

import (
	"math"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// TestLearningRate: the cosine schedule's closed form lr/2 (1 + cos(pi t/T))
// at a few points, and a constant schedule.
func TestLearningRate(t *testing.T) {
	c := config.Default()
	c.Pretrain.LearningRate = 0.01
	c.Pretrain.Schedule = "cosine"
	r := &runner{cfg: &c}
	cases := []struct {
		t, total int
		want     float64
	}{
		{0, 100, 0.01},
		{50, 100, 0.005},
		{25, 100, 0.005 * (1 + math.Sqrt(2)/2)},
		{100, 100, 0},
	}
	for _, tc := range cases {
		if got := r.learningRate(tc.t, tc.total); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("cosine lr(%d/%d) = %v, want %v", tc.t, tc.total, got, tc.want)
		}
	}
	c.Pretrain.Schedule = "constant"
	if got := r.learningRate(70, 100); got != 0.01 {
		t.Errorf("constant lr = %v", got)
	}
}
