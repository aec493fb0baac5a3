package compare

import (
	"image/color"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/codes"
	"github.com/hourglass-ml/hourglass/internal/pca"
	"github.com/hourglass-ml/hourglass/internal/plotfile"
	"github.com/hourglass-ml/hourglass/layout"
	"github.com/hourglass-ml/hourglass/results"
)

// ClassNames are Fashion-MNIST's labels.
var ClassNames = [data.Classes]string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// writeAccuracyBars draws kNN accuracy per representation.
func writeAccuracyBars(path string, rs []results.KNN) error {
	p := plot.New()
	p.Title.Text = "kNN accuracy by representation"
	p.Y.Label.Text = "test accuracy (%)"
	vals := make(plotter.Values, len(rs))
	names := make([]string, len(rs))
	for i, r := range rs {
		vals[i] = 100 * r.Accuracy
		names[i] = r.Representation
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(30))
	if err != nil {
		return err
	}
	bars.Color = color.RGBA{R: 70, G: 110, B: 180, A: 255}
	p.Add(bars)
	p.NominalX(names...)
	lo := 100.0
	for _, v := range vals {
		lo = min(lo, v)
	}
	p.Y.Min = max(0, lo-10)
	p.Y.Max = 100
	return plotfile.Save(p, path, 6*vg.Inch, 4*vg.Inch)
}

// writeCurve draws accuracy against k, a line per representation with a
// curve; nothing when none has one.
func writeCurve(path string, rs []results.KNN) error {
	p := plot.New()
	p.Title.Text = "kNN accuracy against k"
	p.X.Label.Text = "neighbours k (log scale)"
	p.Y.Label.Text = "test accuracy (%)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	drawn := 0
	for i, r := range rs {
		if len(r.Curve) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(r.Curve))
		for j, c := range r.Curve {
			pts[j] = plotter.XY{X: float64(c.K), Y: 100 * c.Accuracy}
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(r.Representation, line, points)
		drawn++
	}
	if drawn == 0 {
		return nil
	}
	p.Legend.Top, p.Legend.Left = false, false
	return plotfile.Save(p, path, 6*vg.Inch, 4*vg.Inch)
}

// writeScatter draws 2-D test codes coloured by class.
func writeScatter(path, title string, s scatter) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "axis 1"
	p.Y.Label.Text = "axis 2"
	for c := 0; c < data.Classes; c++ {
		var pts plotter.XYs
		for i, l := range s.labels {
			if l == c {
				pts = append(pts, plotter.XY{X: s.x[i], Y: s.y[i]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color = plotutil.Color(c)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		sc.GlyphStyle.Radius = vg.Points(1.5)
		p.Add(sc)
		p.Legend.Add(ClassNames[c], sc)
	}
	p.Legend.Left = true
	return plotfile.Save(p, path, 7*vg.Inch, 5*vg.Inch)
}

// scatter is 2-D test codes with their labels, for a plot.
type scatter struct {
	x, y   []float64
	labels []int
}

// scatterData takes 2-D views of the test codes: PCA's first two
// components, and the autoencoder codes projected on their own first two
// principal components (fitted on the training codes).
func (r *report) scatterData(run layout.Run, red *results.Reduction, labels []int) error {
	r.scatter = map[results.Kind]scatter{}
	n := min(len(labels), 2000)
	var smallPCA *results.Representation
	for i := range red.Representations {
		if rep := &red.Representations[i]; rep.Kind == results.PCA && rep.Dim >= 2 && (smallPCA == nil || rep.Dim < smallPCA.Dim) {
			smallPCA = rep
		}
	}
	if smallPCA != nil {
		m, err := codes.ReadCodes(run.Codes(layout.TestSplit, smallPCA.Rep.Name()))
		if err != nil {
			return err
		}
		r.scatter[results.PCA] = columns(m, n, labels)
	}
	if ae := red.Find(results.Autoencoder); ae != nil {
		tr, err := sampleRows(run.Codes(layout.TrainSplit, ae.Rep.Name()), 10000)
		if err != nil {
			return err
		}
		te, err := sampleRows(run.Codes(layout.TestSplit, ae.Rep.Name()), n)
		if err != nil {
			return err
		}
		p := pca.New(2) // a view for the eye: fitted on at most 10,000 training codes
		if err := p.Fit(tr); err != nil {
			return err
		}
		proj, err := p.Transform(te)
		if err != nil {
			return err
		}
		r.scatter[results.Autoencoder] = columns(proj, n, labels)
	}
	return nil
}

// sampleRows reads the first n rows of a codes file as a float64 matrix.
func sampleRows(path string, n int) (*mat.Dense, error) {
	r, err := readRows(path, 0)
	if err != nil {
		return nil, err
	}
	n = min(n, r.n)
	m := mat.NewDense(n, r.d, nil)
	for i, v := range r.data[:n*r.d] {
		m.RawMatrix().Data[i] = float64(v)
	}
	return m, nil
}

func columns(m *mat.Dense, n int, labels []int) scatter {
	s := scatter{labels: labels[:n]}
	for i := 0; i < n; i++ {
		s.x = append(s.x, m.At(i, 0))
		s.y = append(s.y, m.At(i, 1))
	}
	return s
}
