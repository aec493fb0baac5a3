package knn

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// reference is the plain float64 answer: every distance computed, all
// sorted by (distance, index), the first k kept.
func reference(train, queries []float32, n, nq, d, k int) ([]int32, []float64) {
	idx := make([]int32, 0, nq*k)
	dist := make([]float64, 0, nq*k)
	type pair struct {
		d float64
		j int32
	}
	for q := range nq {
		all := make([]pair, n)
		for j := range n {
			var s float64
			for t := range d {
				v := float64(queries[q*d+t]) - float64(train[j*d+t])
				s += v * v
			}
			all[j] = pair{s, int32(j)}
		}
		slices.SortStableFunc(all, func(a, b pair) int {
			switch {
			case a.d < b.d:
				return -1
			case a.d > b.d:
				return 1
			}
			return 0 // stable: lower index first
		})
		for _, p := range all[:k] {
			idx, dist = append(idx, p.j), append(dist, p.d)
		}
	}
	return idx, dist
}

// dataset makes n training and nq query rows of d values: integers 0..levels-1
// (so many distances tie exactly) or uniform floats (levels 0), with some
// training rows planted twice and some queries equal to training rows.
func dataset(r *rand.Rand, n, nq, d, levels int) (train, queries []float32) {
	value := func() float32 {
		if levels < 0 {
			return r.Float32()
		}
		if levels > 0 {
			return float32(r.IntN(levels))
		}
		return r.Float32()*2 - 0.5
	}
	train = make([]float32, n*d)
	for i := range train {
		train[i] = value()
	}
	for t := 0; t < n/10; t++ { // duplicate rows
		a, b := r.IntN(n), r.IntN(n)
		copy(train[b*d:(b+1)*d], train[a*d:(a+1)*d])
	}
	queries = make([]float32, nq*d)
	for i := range queries {
		queries[i] = value()
	}
	for t := 0; t < nq/5; t++ { // queries sitting on training rows
		a, q := r.IntN(n), r.IntN(nq)
		copy(queries[q*d:(q+1)*d], train[a*d:(a+1)*d])
	}
	return train, queries
}

// TestSearchAgainstReference: indices and float64 distances equal the
// reference exactly (tolerance 0), across tile edges and tie patterns.
func TestSearchAgainstReference(t *testing.T) {
	cases := []struct {
		name             string
		n, nq, d, k, lvl int
	}{
		{"k=1 floats", 1500, 300, 17, 1, 0},
		{"integer ties, uneven tiles", 2*trainTile + 37, queryTile + 5, 9, 7, 3},
		{"binary rows, heavy ties", 1300, 70, 12, 10, 2},
		{"k larger than a training tile", trainTile + 300, 20, 5, trainTile + 100, 4},
		{"k equal to the training set", 200, 30, 8, 200, 3},
		{"one dimension", 500, 50, 1, 5, 20},
		{"784 pixels-like", 1100, 40, 784, 5, 256},
		// Every value 300 plus a little: ||x||² is about 1.4e6 while
		// neighbours differ by about 0.01, so the float32 screen's
		// cancellation error reorders them; only the proven slack and the
		// float64 ranking put them back.
		{"large offset (cancellation)", 1700, 60, 16, 5, -300},
		// Four clusters 600 apart (so centring leaves norms of about 300
		// against neighbour gaps of about 0.01): the same test after
		// centring.
		{"far clusters (cancellation after centring)", 1700, 60, 16, 5, -1},
	}
	for i, tc := range cases {
		r := rand.New(rand.NewPCG(uint64(i), 99))
		train, queries := dataset(r, tc.n, tc.nq, tc.d, tc.lvl)
		if tc.lvl == -1 {
			centre := func(i int) float32 { return float32(600 * (i % 2)) } // which cluster: by row, then column parity
			for j := range train {
				train[j] = centre(j/tc.d%4+j%tc.d%2) + train[j]/4
			}
			for j := range queries {
				queries[j] = centre(j/tc.d%4+j%tc.d%2) + queries[j]/4
			}
		} else if tc.lvl < 0 {
			for j := range train {
				train[j] = float32(-tc.lvl) + train[j]/4
			}
			for j := range queries {
				queries[j] = float32(-tc.lvl) + queries[j]/4
			}
		}
		if tc.lvl == 256 { // pixel values k/255, as float32
			for j := range train {
				train[j] /= 255
			}
			for j := range queries {
				queries[j] /= 255
			}
		}
		ix, err := NewIndex(train, tc.n, tc.d)
		if err != nil {
			t.Fatal(err)
		}
		nb, err := ix.Search(context.Background(), queries, tc.nq, tc.k, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		wantIdx, wantDist := reference(train, queries, tc.n, tc.nq, tc.d, tc.k)
		if !slices.Equal(nb.Index, wantIdx) || !slices.Equal(nb.Dist, wantDist) {
			for q := range tc.nq {
				gi, gd := nb.Of(q)
				if !slices.Equal(gi, wantIdx[q*tc.k:(q+1)*tc.k]) || !slices.Equal(gd, wantDist[q*tc.k:(q+1)*tc.k]) {
					t.Fatalf("%s: query %d: got %v %v\nwant %v %v", tc.name, q, gi[:min(8, tc.k)], gd[:min(8, tc.k)],
						wantIdx[q*tc.k:q*tc.k+min(8, tc.k)], wantDist[q*tc.k:q*tc.k+min(8, tc.k)])
				}
			}
		}
		t.Logf("%s: %.1f candidates ranked per query for k = %d", tc.name, float64(nb.Candidates)/float64(tc.nq), tc.k)
	}
}

// TestSearchErrors: bad sizes and values are errors, not panics.
func TestSearchErrors(t *testing.T) {
	if _, err := NewIndex(nil, 0, 3); err == nil {
		t.Error("empty index: no error")
	}
	if _, err := NewIndex(make([]float32, 5), 2, 3); err == nil {
		t.Error("5 values for 2x3: no error")
	}
	nan := []float32{0, 1, float32(nanValue())}
	if _, err := NewIndex(nan, 3, 1); err == nil {
		t.Error("NaN in the training rows: no error")
	}
	ix, err := NewIndex(make([]float32, 6), 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{0, 4} {
		if _, err := ix.Search(context.Background(), make([]float32, 2), 1, k, nil); err == nil {
			t.Errorf("k = %d of 3 rows: no error", k)
		}
	}
	if _, err := ix.Search(context.Background(), make([]float32, 3), 1, 1, nil); err == nil {
		t.Error("a query of 3 values for rows of 2: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, make([]float32, 2), 1, 1, nil); err != ErrCancelled {
		t.Errorf("cancelled: %v", err)
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

// TestVote: hand-worked votes.
func TestVote(t *testing.T) {
	labels := []int{0, 1, 1, 2, 2, 0}
	scores := make([]float64, 3)
	cases := []struct {
		name  string
		idx   []int32
		dist  []float64
		k     int
		w     Weights
		label int
		tied  bool
	}{
		{"majority", []int32{1, 2, 0}, []float64{1, 1, 1}, 3, Uniform, 1, false},
		{"tie goes to the smallest label", []int32{3, 1, 0, 5}, []float64{1, 2, 3, 4}, 2, Uniform, 1, true},
		{"three-way tie", []int32{3, 1, 0}, []float64{1, 2, 3}, 3, Uniform, 0, true},
		// distance: 1/1 for label 2 against 1/2 + 1/2 for label 1: a tie.
		{"distance weights tie", []int32{3, 1, 2}, []float64{1, 4, 4}, 3, Distance, 1, true},
		// 1/1 against 1/3 + 1/3.
		{"distance weights", []int32{3, 1, 2}, []float64{1, 9, 9}, 3, Distance, 2, false},
		// a neighbour at distance 0 takes all the weight.
		{"zero distance wins", []int32{5, 1, 2}, []float64{0, 0.01, 0.01}, 3, Distance, 0, false},
	}
	for _, tc := range cases {
		l, tied := Vote(tc.idx, tc.dist, tc.k, labels, tc.w, scores)
		if l != tc.label || tied != tc.tied {
			t.Errorf("%s: label %d tied %v, want %d %v", tc.name, l, tied, tc.label, tc.tied)
		}
	}
}
