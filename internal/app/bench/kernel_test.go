package bench

import (
	"math"
	"testing"
	"time"
)

// TestKernelMeterBursts: the meter's rate is 0 before a burst; each burst
// lasts at least its duration and adds whole products (2 x 256 x d x 1024
// flops each, at least one), so that the rate is the flops over the
// bursts' time together.
func TestKernelMeterBursts(t *testing.T) {
	const d = 64
	k := &kernelMeter{d: d}
	if k.gflops() != 0 {
		t.Fatalf("rate %v before any burst", k.gflops())
	}
	per := 2.0 * kernelRows * kernelCols * d
	for i, dur := range []time.Duration{10 * time.Millisecond, 30 * time.Millisecond} {
		flops, secs := k.flops, k.secs
		if err := k.burst(dur); err != nil {
			t.Fatal(err)
		}
		products := (k.flops - flops) / per
		if products < 1 || products != math.Trunc(products) {
			t.Errorf("burst %d: %v products, want a whole number, at least 1", i, products)
		}
		if k.secs-secs < dur.Seconds() {
			t.Errorf("burst %d lasted %v s, want at least %v", i, k.secs-secs, dur)
		}
	}
	if want := k.flops / k.secs / 1e9; k.gflops() != want {
		t.Errorf("rate %v, want %v", k.gflops(), want)
	}
}
