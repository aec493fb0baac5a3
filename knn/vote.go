package knn

import (
	"fmt"
	"math"
)

// Weights says how neighbours vote.
type Weights string

// The two voting rules, as scikit-learn's KNeighborsClassifier names them.
const (
	// Uniform: one vote per neighbour.
	Uniform Weights = "uniform"
	// Distance: a neighbour's vote weighs 1/distance; neighbours at
	// distance 0, if any, take all the weight (one vote each).
	Distance Weights = "distance"
)

// ParseWeights checks a weights name.
func ParseWeights(s string) (Weights, error) {
	switch w := Weights(s); w {
	case Uniform, Distance:
		return w, nil
	}
	return "", fmt.Errorf("knn: weights %q: use uniform or distance", s)
}

// Vote classifies from the first k of a query's neighbours (nearest first)
// among classes labels 0 .. classes-1: the label with the most weight,
// the smallest such label when several tie (tied then reports the tie).
// scores is scratch space of at least classes values.
func Vote(idx []int32, dist []float64, k int, labels []int, w Weights, scores []float64) (label int, tied bool) {
	scores = scores[:cap(scores)]
	clear(scores)
	zero := false
	if w == Distance {
		for _, d := range dist[:k] {
			zero = zero || d == 0
		}
	}
	for t, j := range idx[:k] {
		switch {
		case w == Uniform:
			scores[labels[j]]++
		case zero:
			if dist[t] == 0 {
				scores[labels[j]]++
			}
		default:
			scores[labels[j]] += 1 / math.Sqrt(dist[t])
		}
	}
	label = 0
	for c, s := range scores {
		if s > scores[label] {
			label = c
		}
	}
	for c, s := range scores {
		if c != label && s == scores[label] {
			return label, true
		}
	}
	return label, false
}

// Predict votes for every query of nb with its first k neighbours; tied
// counts the queries whose vote tied.
func Predict(nb *Neighbours, k int, labels []int, classes int, w Weights) (pred []int, tied int) {
	nq := len(nb.Index) / nb.K
	pred = make([]int, nq)
	scores := make([]float64, classes)
	for q := range nq {
		idx, dist := nb.Of(q)
		var t bool
		pred[q], t = Vote(idx, dist, k, labels, w, scores)
		if t {
			tied++
		}
	}
	return pred, tied
}
