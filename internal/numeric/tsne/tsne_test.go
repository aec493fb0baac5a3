package tsne

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// clusters draws k well-separated Gaussian blobs of m points in d
// dimensions (centres 20 apart, spread 1).
func clusters(k, m, d int, seed uint64) ([]float32, []int) {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float64, k)
	for c := range centres {
		centres[c] = make([]float64, d)
		for j := range centres[c] {
			centres[c][j] = 20 * r.NormFloat64()
		}
	}
	var x []float32
	var labels []int
	for c := range k {
		for range m {
			for j := range d {
				x = append(x, float32(centres[c][j]+r.NormFloat64()))
			}
			labels = append(labels, c)
		}
	}
	return x, labels
}

// TestCalibration: every point's conditional affinities have the asked
// perplexity (entropy log(perplexity), to the bisection's 1e-5).
func TestCalibration(t *testing.T) {
	x, _ := clusters(3, 40, 5, 1)
	n := 120
	dist := sqDistances(x, n, 5)
	row := make([]float64, n)
	for i := 0; i < n; i += 17 {
		if !calibrate(dist[i*n:(i+1)*n], row, i, math.Log(15)) {
			t.Fatalf("point %d: no calibration", i)
		}
		var h, sum float64
		for _, v := range row {
			sum += v
			if v > 0 {
				h -= v * math.Log(v)
			}
		}
		if math.Abs(sum-1) > 1e-9 || math.Abs(h-math.Log(15)) > 1e-4 {
			t.Errorf("point %d: affinities sum to %v with entropy %v, want 1 and %v", i, sum, h, math.Log(15))
		}
	}
}

// TestSeparatedClustersStaySeparated: four blobs far apart in 10
// dimensions come out as four groups in two: every point's nearest mapped
// neighbour is of its own blob, and each blob's spread is smaller than the
// distance to the nearest other blob's centre. The KL divergence falls.
func TestSeparatedClustersStaySeparated(t *testing.T) {
	x, labels := clusters(4, 50, 10, 2)
	n := len(labels)
	m, err := Embed(x, n, 10, Options{Perplexity: 15, Iterations: 500, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		best, bj := math.Inf(1), -1
		for j := range n {
			if j == i {
				continue
			}
			d := math.Hypot(m.Y[2*i]-m.Y[2*j], m.Y[2*i+1]-m.Y[2*j+1])
			if d < best {
				best, bj = d, j
			}
		}
		if labels[bj] != labels[i] {
			t.Fatalf("point %d (blob %d): nearest mapped point is of blob %d", i, labels[i], labels[bj])
		}
	}
	var cx, cy [4]float64
	for i, l := range labels {
		cx[l] += m.Y[2*i] / 50
		cy[l] += m.Y[2*i+1] / 50
	}
	for c := range 4 {
		var spread float64
		for i, l := range labels {
			if l == c {
				spread = max(spread, math.Hypot(m.Y[2*i]-cx[c], m.Y[2*i+1]-cy[c]))
			}
		}
		for o := range 4 {
			if o != c && math.Hypot(cx[c]-cx[o], cy[c]-cy[o]) < spread {
				t.Errorf("blob %d reaches %.2f from its centre, blob %d's centre is nearer", c, spread, o)
			}
		}
	}
	if len(m.KL) != 10 || !(m.KL[len(m.KL)-1] < m.KL[0]) {
		t.Errorf("KL divergence over the run: %v; want it to fall", m.KL)
	}
	for k := 6; k < len(m.KL); k++ { // after the exaggeration, it keeps falling (to a little noise)
		if m.KL[k] > m.KL[k-1]+1e-3 {
			t.Errorf("KL rose from %v to %v at check %d", m.KL[k-1], m.KL[k], k)
		}
	}
}

// TestSameSeedSameMap: the same input and seed give the same map, another
// seed another one.
func TestSameSeedSameMap(t *testing.T) {
	x, labels := clusters(3, 20, 4, 4)
	embed := func(seed int64) *Map {
		t.Helper()
		m, err := Embed(x, len(labels), 4, Options{Perplexity: 10, Iterations: 100, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := embed(5), embed(5), embed(6)
	if !reflect.DeepEqual(a.Y, b.Y) {
		t.Error("the same seed gave two maps")
	}
	if reflect.DeepEqual(a.Y, c.Y) {
		t.Error("seeds 5 and 6 gave the same map")
	}
}

// TestGradientAgainstFiniteDifferences: the gradient of the KL divergence
// (no exaggeration) against central differences of kl, relative 1e-4.
func TestGradientAgainstFiniteDifferences(t *testing.T) {
	x, _ := clusters(2, 6, 3, 7)
	n := 12
	p, err := affinities(sqDistances(x, n, 3), n, 3)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(8, 9))
	y := make([]float64, 2*n)
	for i := range y {
		y[i] = r.NormFloat64()
	}
	g := newGradient(n)
	grad := append([]float64(nil), g.compute(p, y, 1)...)
	const h = 1e-6
	for k := range y {
		old := y[k]
		y[k] = old + h
		up := g.kl(p, y)
		y[k] = old - h
		down := g.kl(p, y)
		y[k] = old
		fd := (up - down) / (2 * h)
		if math.Abs(fd-grad[k]) > 1e-4*math.Max(1e-3, math.Abs(fd)) {
			t.Errorf("coordinate %d: gradient %v, finite difference %v", k, grad[k], fd)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := Embed(make([]float32, 6), 3, 2, Options{}); err == nil {
		t.Error("3 points: no error")
	}
	if _, err := Embed(make([]float32, 40), 20, 2, Options{Perplexity: 30}); err == nil {
		t.Error("perplexity 30 with 20 points: no error")
	}
}
