// Package stats holds the tests behind the report's conclusions:
// McNemar's exact test for two classifiers on the same test images, and
// Student's t intervals for means and paired differences over seeds
// (gonum's distributions underneath).
package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// McNemar is the exact two-sided McNemar test of two classifiers on the
// same queries: b counts the queries only the first gets right, c those
// only the second gets right. Under the hypothesis that both are equally
// accurate, b is Binomial(b+c, 1/2); the p-value is twice the smaller
// tail, at most 1 (1 when b+c = 0).
func McNemar(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	tail := distuv.Binomial{N: float64(n), P: 0.5}.CDF(float64(min(b, c)))
	return min(1, 2*tail)
}

// Interval is a sample's mean with a two-sided confidence interval from
// Student's t distribution.
type Interval struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"` // sample standard deviation (n-1)
	Half float64 `json:"half_width"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
}

// MeanInterval is xs's mean and its interval at the given level (0.95):
// mean ± t(1-(1-level)/2, n-1) sd/sqrt(n). With one value the interval is
// unbounded (±Inf): one run says nothing of the spread.
func MeanInterval(xs []float64, level float64) Interval {
	n := len(xs)
	iv := Interval{N: n}
	if n == 0 {
		return iv
	}
	for _, x := range xs {
		iv.Mean += x
	}
	iv.Mean /= float64(n)
	if n < 2 {
		iv.Half = math.Inf(1)
	} else {
		var v float64
		for _, x := range xs {
			v += (x - iv.Mean) * (x - iv.Mean)
		}
		iv.SD = math.Sqrt(v / float64(n-1))
		iv.Half = TQuantile(1-(1-level)/2, n-1) * iv.SD / math.Sqrt(float64(n))
	}
	iv.Lo, iv.Hi = iv.Mean-iv.Half, iv.Mean+iv.Half
	return iv
}

// Excludes says whether the interval lies wholly on one side of x.
func (iv Interval) Excludes(x float64) bool { return iv.Lo > x || iv.Hi < x }

// TQuantile is the p-quantile of Student's t with df degrees of freedom.
func TQuantile(p float64, df int) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(p)
}

// SeedsNeeded estimates how many paired runs would make a 95% interval of
// a difference exclude zero if its mean and spread stayed as observed: the
// smallest n >= 2 with t(0.975, n-1) sd/sqrt(n) < |mean|. It returns 0 when
// the mean is 0 (no number of runs would), and caps the search at limit.
func SeedsNeeded(mean, sd float64, limit int) int {
	if mean == 0 {
		return 0
	}
	if sd == 0 {
		return 2
	}
	for n := 2; n <= limit; n++ {
		if TQuantile(0.975, n-1)*sd/math.Sqrt(float64(n)) < math.Abs(mean) {
			return n
		}
	}
	return 0
}

// Wilson is the 95% Wilson score interval of a proportion of k successes
// in n trials (an accuracy on n test images).
func Wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	p, nf := float64(k)/float64(n), float64(n)
	centre := (p + z*z/(2*nf)) / (1 + z*z/nf)
	half := z / (1 + z*z/nf) * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return centre - half, centre + half
}

// Welch is the 95% interval of mean(a) - mean(b) for two independent
// samples with possibly unequal variances (Welch's t, Welch-Satterthwaite
// degrees of freedom).
func Welch(a, b []float64) (mean, lo, hi float64) {
	ia, ib := MeanInterval(a, 0.95), MeanInterval(b, 0.95)
	mean = ia.Mean - ib.Mean
	if len(a) < 2 || len(b) < 2 {
		return mean, math.Inf(-1), math.Inf(1)
	}
	va, vb := ia.SD*ia.SD/float64(len(a)), ib.SD*ib.SD/float64(len(b))
	se := math.Sqrt(va + vb)
	if se == 0 {
		return mean, mean, mean
	}
	df := (va + vb) * (va + vb) / (va*va/float64(len(a)-1) + vb*vb/float64(len(b)-1))
	half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975) * se
	return mean, mean - half, mean + half
}

// Accuracy is the share of predictions equal to the truth (0 for none).
func Accuracy(pred, truth []int) float64 {
	ok := 0
	for i, p := range pred {
		if p == truth[i] {
			ok++
		}
	}
	return float64(ok) / float64(max(len(pred), 1))
}
