package stats

import (
	"math"
	"testing"
)

// binomialTail is P(X <= k) for X ~ Binomial(n, 1/2), summed exactly from
// binomial coefficients: the independent value McNemar is checked against.
func binomialTail(k, n int) float64 {
	var s float64
	c := 1.0 // C(n, 0)
	for i := 0; i <= k; i++ {
		s += c
		c = c * float64(n-i) / float64(i+1)
	}
	return s / math.Pow(2, float64(n))
}

func TestMcNemar(t *testing.T) {
	cases := []struct {
		b, c int
		want float64
		tol  float64
	}{
		{0, 0, 1, 0},                   // no discordant pairs
		{3, 3, 1, 1e-12},               // balanced: capped at 1
		{0, 5, 2.0 / 32, 1e-12},        // 2 * (1/2)^5
		{1, 9, 2 * 11.0 / 1024, 1e-12}, // 2 * (C(10,0)+C(10,1)) / 2^10
		{9, 1, 2 * 11.0 / 1024, 1e-12}, // symmetric
		{20, 40, 2 * binomialTail(20, 60), 1e-10},
		{120, 160, 2 * binomialTail(120, 280), 1e-9},
	}
	for _, tc := range cases {
		if got := McNemar(tc.b, tc.c); math.Abs(got-tc.want) > tc.tol*math.Max(1, tc.want) {
			t.Errorf("McNemar(%d, %d) = %.12g, want %.12g", tc.b, tc.c, got, tc.want)
		}
	}
}

// TestTQuantile against printed tables of Student's t (two-sided 95%),
// to the table's 3-4 decimals.
func TestTQuantile(t *testing.T) {
	table := map[int]float64{1: 12.7062, 2: 4.3027, 4: 2.7764, 9: 2.2622, 29: 2.0452, 1000: 1.9623}
	for df, want := range table {
		if got := TQuantile(0.975, df); math.Abs(got-want) > 1e-4 {
			t.Errorf("t(0.975, %d) = %.5f, table %.4f", df, got, want)
		}
	}
}

// TestMeanInterval: mean, sample standard deviation and the interval of
// 1, 2, 3, 4, 5 worked by hand: mean 3, sd sqrt(2.5), half-width
// 2.7764 * sqrt(2.5)/sqrt(5).
func TestMeanInterval(t *testing.T) {
	iv := MeanInterval([]float64{1, 2, 3, 4, 5}, 0.95)
	want := 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5)
	if iv.N != 5 || iv.Mean != 3 || math.Abs(iv.SD-math.Sqrt(2.5)) > 1e-12 || math.Abs(iv.Half-want) > 1e-9 {
		t.Errorf("interval %+v, want half-width %v", iv, want)
	}
	if !iv.Excludes(0) || iv.Excludes(3) {
		t.Error("Excludes")
	}
	one := MeanInterval([]float64{0.7}, 0.95)
	if !math.IsInf(one.Half, 1) || one.Excludes(0) {
		t.Errorf("one value: %+v", one)
	}
}

// TestSeedsNeeded: a difference of 1 with spread 1 needs n with
// t(0.975, n-1)/sqrt(n) < 1: n = 7 (2.4469/2.6458 = 0.925) but not 6
// (2.5706/2.4495 = 1.049).
func TestSeedsNeeded(t *testing.T) {
	if got := SeedsNeeded(1, 1, 100); got != 7 {
		t.Errorf("SeedsNeeded(1, 1) = %d, want 7", got)
	}
	if got := SeedsNeeded(-1, 1, 100); got != 7 {
		t.Errorf("SeedsNeeded(-1, 1) = %d, want 7 (the sign does not matter)", got)
	}
	if got := SeedsNeeded(0, 1, 100); got != 0 {
		t.Errorf("no difference: %d, want 0", got)
	}
	if got := SeedsNeeded(0.01, 1, 100); got != 0 {
		t.Errorf("beyond the cap: %d, want 0", got)
	}
}

// TestWilson against values worked from the formula by hand: 0 of 10 is
// [0, z²/(n+z²)] = [0, 0.2775]; 5 of 10 is symmetric about 0.5 with
// half-width z sqrt(n/4 + z²/4) / (n + z²) = 0.2634.
func TestWilson(t *testing.T) {
	const z = 1.959963984540054
	lo, hi := Wilson(0, 10)
	if lo > 1e-12 || math.Abs(hi-z*z/(10+z*z)) > 1e-12 {
		t.Errorf("0 of 10: [%v, %v]", lo, hi)
	}
	lo, hi = Wilson(5, 10)
	half := z * math.Sqrt(10.0/4+z*z/4) / (10 + z*z)
	if math.Abs(lo-(0.5-half)) > 1e-12 || math.Abs(hi-(0.5+half)) > 1e-12 {
		t.Errorf("5 of 10: [%v, %v], want 0.5 ± %v", lo, hi, half)
	}
	if lo, hi := Wilson(8554, 10000); !(lo < 0.8554 && hi > 0.8554 && hi-lo < 0.015) {
		t.Errorf("8554 of 10000: [%v, %v]", lo, hi)
	}
}

// TestWelch: equal sizes and variances give df = 2(n-1) and the pooled
// interval; a worked example: a = 1..5, b = 3..7 has difference -2, each
// variance 2.5, se sqrt(1), df 8, half-width t(0.975, 8) = 2.3060.
func TestWelch(t *testing.T) {
	mean, lo, hi := Welch([]float64{1, 2, 3, 4, 5}, []float64{3, 4, 5, 6, 7})
	half := 2.306004135204172
	if mean != -2 || math.Abs(lo-(-2-half)) > 1e-9 || math.Abs(hi-(-2+half)) > 1e-9 {
		t.Errorf("Welch = %v [%v, %v], want -2 ± %v", mean, lo, hi, half)
	}
}
