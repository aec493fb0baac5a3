package generate

import (
	"fmt"
	"sort"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/numeric/chart"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
)

// decode decodes n codes of the engine's size into n images of the
// model's input, in batches.
func decode(e *engine.Engine, codes []float32) ([]float32, error) {
	d := e.CodeSize()
	n := len(codes) / d
	out := make([]float32, 0, n*e.Spec().Values())
	for from := 0; from < n; from += 1000 {
		to := min(from+1000, n)
		img, err := e.Decode(tensors.FromFlatDataAndDimensions(codes[from*d:to*d], to-from, d))
		if err != nil {
			return nil, err
		}
		out = append(out, tensors.MustCopyFlatData[float32](img)...)
	}
	return out, nil
}

// encode encodes images (of the model's input) into codes, in batches.
func encode(e *engine.Engine, pixels []float32) ([]float32, error) {
	px := e.Spec().Values()
	n := len(pixels) / px
	out := make([]float32, 0, n*e.CodeSize())
	for from := 0; from < n; from += 1000 {
		to := min(from+1000, n)
		c, err := e.Encode(e.Images(pixels[from*px : to*px]))
		if err != nil {
			return nil, err
		}
		out = append(out, tensors.MustCopyFlatData[float32](c)...)
	}
	return out, nil
}

// priorSamples draws n points of N(0, I) in d dimensions, seeded.
func priorSamples(n, d int, seed int64) []float32 {
	r := data.NewRand(seed, 47)
	out := make([]float32, n*d)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}

// grid writes n images of a shape as rows of cols under a title.
func grid(path, title string, shape data.Shape, pixels []float32, n, cols int) error {
	px := shape.Values()
	var rows [][][]float32
	for i := 0; i < n; i += cols {
		var row [][]float32
		for j := i; j < min(i+cols, n); j++ {
			row = append(row, pixels[j*px:(j+1)*px])
		}
		rows = append(rows, row)
	}
	titles := make([]string, len(rows))
	titles[0] = title
	return chart.ImageRows(path, shape, titles, rows, scale(shape))
}

// scale enlarges images to about the paper's 28x28 twice enlarged.
func scale(shape data.Shape) int { return max(1, 56/max(shape[0], shape[1])) }

// interpolations walks between the posterior means of pairs of test
// images (images 2i and 2i+1): the first original, 9 decoded points from
// one mean to the other, the second original.
func interpolations(path string, e *engine.Engine, test *data.Set, pairs int) error {
	px := e.Spec().Values()
	d := e.CodeSize()
	pairs = min(pairs, test.Len()/2)
	codes, err := encode(e, test.Slice(0, 2*pairs).Images)
	if err != nil {
		return err
	}
	const steps = 9
	var walk []float32
	for p := range pairs {
		a, b := codes[2*p*d:(2*p+1)*d], codes[(2*p+1)*d:(2*p+2)*d]
		for s := range steps {
			t := float32(s) / (steps - 1)
			for j := range d {
				walk = append(walk, (1-t)*a[j]+t*b[j])
			}
		}
	}
	imgs, err := decode(e, walk)
	if err != nil {
		return err
	}
	var rows [][][]float32
	titles := make([]string, pairs)
	titles[0] = "interpolations: a test image, 9 points decoded evenly between its posterior mean and the next's, that image"
	for p := range pairs {
		row := [][]float32{test.Image(2 * p)}
		for s := range steps {
			k := p*steps + s
			row = append(row, imgs[k*px:(k+1)*px])
		}
		rows = append(rows, append(row, test.Image(2*p+1)))
	}
	return chart.ImageRows(path, data.Shape(e.Spec().Input), titles, rows, scale(data.Shape(e.Spec().Input)))
}

// traversals varies each of the most active latent dimensions from -3 to
// 3 with the others at 0; with two latent dimensions, the manifold: a
// 15 x 15 grid of the prior's quantiles. activity is each dimension's
// variance of the posterior mean over the test images.
func traversals(path string, e *engine.Engine, activity []float64) error {
	px := e.Spec().Values()
	d := e.CodeSize()
	if d == 2 {
		const k = 15
		var z []float32
		for i := range k {
			for j := range k {
				qy := distuv.UnitNormal.Quantile((float64(k-1-i) + 0.5) / k)
				qx := distuv.UnitNormal.Quantile((float64(j) + 0.5) / k)
				z = append(z, float32(qx), float32(qy))
			}
		}
		imgs, err := decode(e, z)
		if err != nil {
			return err
		}
		return grid(path, "the latent manifold: the prior's quantiles 1/30 .. 29/30 on each axis", data.Shape(e.Spec().Input), imgs, k*k, k)
	}
	order := make([]int, d)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return activity[order[a]] > activity[order[b]] })
	order = order[:min(8, d)]
	const steps = 9
	z := make([]float32, 0, len(order)*steps*d)
	for _, dim := range order {
		for s := range steps {
			v := make([]float32, d)
			v[dim] = float32(-3 + 6*float64(s)/(steps-1))
			z = append(z, v...)
		}
	}
	imgs, err := decode(e, z)
	if err != nil {
		return err
	}
	var rows [][][]float32
	var titles []string
	for r, dim := range order {
		var row [][]float32
		for s := range steps {
			k := r*steps + s
			row = append(row, imgs[k*px:(k+1)*px])
		}
		rows = append(rows, row)
		titles = append(titles, fmt.Sprintf("latent dimension %d (variance of its mean over the test images %.2f): -3 .. 3, the others 0", dim, activity[dim]))
	}
	return chart.ImageRows(path, data.Shape(e.Spec().Input), titles, rows, scale(data.Shape(e.Spec().Input)))
}
