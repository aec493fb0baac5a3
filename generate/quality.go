package generate

import (
	"encoding/json"

	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/frechet"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// batches is how many equal batches a distance is also measured on, for
// an interval of a difference.
const batches = 5

// quality measures images' Fréchet distance from the test images in the
// classifier's features: over all of them and per batch.
func quality(c *classifier, test frechet.Stats, pixels []float32) (results.Distance, error) {
	f, err := c.featuresOf(pixels)
	if err != nil {
		return results.Distance{}, err
	}
	n, _ := f.Dims()
	d := results.Distance{Images: n}
	all, err := frechet.Of(f)
	if err != nil {
		return d, err
	}
	if d.All, err = frechet.Distance(all, test); err != nil {
		return d, err
	}
	per := n / batches
	for b := range batches {
		s, err := frechet.Of(f.Slice(b*per, (b+1)*per, 0, Features).(*mat.Dense))
		if err != nil {
			return d, err
		}
		v, err := frechet.Distance(s, test)
		if err != nil {
			return d, err
		}
		d.Batches = append(d.Batches, v)
	}
	return d, nil
}

// difference compares two models' per-batch distances.
func difference(a, b results.GenerativeModel) *results.DistanceDifference {
	m, lo, hi := stats.Welch(a.Quality.Batches, b.Quality.Batches)
	return &results.DistanceDifference{A: a.Name, B: b.Name, Mean: m, Low: lo, High: hi}
}

// roundTrip is v as JSON would read it back, for comparing settings. Its
// error is a value JSON cannot hold.
func roundTrip(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}
