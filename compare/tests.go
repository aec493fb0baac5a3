package compare

import (
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// pairedTests runs McNemar's exact test for each representation against
// raw pixels and against the most accurate one, and for the autoencoder
// against the most accurate PCA codes, on the queries' predictions.
func pairedTests(rs []results.KNN, truth []int) []results.PairedTest {
	if len(rs) < 2 {
		return nil
	}
	best := &rs[0]
	for i := range rs {
		if rs[i].Accuracy > best.Accuracy {
			best = &rs[i]
		}
	}
	var pairs [][2]*results.KNN
	add := func(a, b *results.KNN) {
		if a == nil || b == nil || a == b {
			return
		}
		for _, p := range pairs {
			if (p[0] == a && p[1] == b) || (p[0] == b && p[1] == a) {
				return
			}
		}
		pairs = append(pairs, [2]*results.KNN{a, b})
	}
	var px *results.KNN
	for i := range rs {
		if rs[i].Kind == results.Pixels {
			px = &rs[i]
		}
	}
	for i := range rs {
		add(&rs[i], px)
		add(&rs[i], best)
	}
	add(bestOf(rs, results.Autoencoder), bestOf(rs, results.PCA))
	if ae := bestOf(rs, results.Autoencoder); ae != nil { // the paper's 4.1 at equal size
		for i := range rs {
			if rs[i].Rep == results.PCARep(ae.Dim) {
				add(ae, &rs[i])
			}
		}
	}
	add(bestOf(rs, results.VAE), bestOf(rs, results.PCA))
	var out []results.PairedTest
	for _, p := range pairs {
		out = append(out, mcnemar(p[0], p[1], truth))
	}
	return out
}

// mcnemar counts the queries exactly one of a and b classifies right.
func mcnemar(a, b *results.KNN, truth []int) results.PairedTest {
	t := results.PairedTest{A: a.Representation, B: b.Representation, AccA: a.Accuracy, AccB: b.Accuracy}
	for q, y := range truth {
		ra, rb := a.Predictions[q] == y, b.Predictions[q] == y
		switch {
		case ra && !rb:
			t.OnlyA++
		case rb && !ra:
			t.OnlyB++
		}
	}
	t.P = stats.McNemar(t.OnlyA, t.OnlyB)
	return t
}
