package model

import (
	"math"
	"testing"
)

// TestTrainingFLOPs compares the count with hand counts of multiply-adds
// per image (MACs; FLOPs = 2 x MACs x 3 passes, the first layer 2 passes).
func TestTrainingFLOPs(t *testing.T) {
	// The paper's model: encoder convolutions 3x3 at 28x28 (1->16), 14x14
	// (16->32), 7x7 (32->64); decoder transposed convolutions 3x3 on the
	// 3x3 map (64->32), 2x2 on 7x7 (32->16), 2x2 on 14x14 (16->1).
	first := 28.0 * 28 * 9 * 1 * 16
	rest := 14.0*14*9*16*32 + 7*7*9*32*64 + 3*3*9*64*32 + 7*7*4*32*16 + 14*14*4*16*1
	paper := 2 * (2*first + 3*rest)
	// With a 16-value dense code: 576*16 and 16*576 more.
	code16 := paper + 2*3*(576*16+16*576)
	vae := paper + 2*3*(576*32+16*576) // mean and log-variance: 576 -> 2x16
	for _, c := range []struct {
		name string
		spec Spec
		want float64
	}{
		{"paper", Paper(), paper},
		{"dense code 16", Spec{Kind: KindAE, Input: [3]int{28, 28, 1}, Filters: []int{16, 32, 64}, Code: 16}, code16},
		{"vae 16", PaperVAE(16), vae},
	} {
		got, err := TrainingFLOPs(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		// Exact integer counts in float64: no tolerance needed beyond rounding.
		if math.Abs(got-c.want) > 0.5 {
			t.Errorf("%s: %.0f FLOPs per image, want %.0f", c.name, got, c.want)
		}
	}
}
