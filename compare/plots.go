package compare

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/chart"
	"github.com/hourglass-ml/hourglass/internal/numeric/pca"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// writeAccuracyBars draws kNN accuracy per representation with its 95%
// (Wilson) interval and the figure on each bar. The axis starts where the
// lowest interval leaves room, and the title says so.
func writeAccuracyBars(path string, rs []results.KNN) error {
	p := chart.New("kNN test accuracy by representation", "", "")
	vals := make(plotter.Values, len(rs))
	names := make([]string, len(rs))
	var errs plotter.YErrors
	lo := 100.0
	for i, r := range rs {
		vals[i] = 100 * r.Accuracy
		names[i] = r.Representation
		l, h := stats.Wilson(int(math.Round(r.Accuracy*float64(r.Queries))), r.Queries)
		errs = append(errs, struct{ Low, High float64 }{vals[i] - 100*l, 100*h - vals[i]})
		lo = min(lo, 100*l)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(36))
	if err != nil {
		return err
	}
	bars.Color, bars.LineStyle.Width = chart.Color(0), 0
	p.Add(bars)
	pts := make(plotter.XYs, len(vals))
	for i, v := range vals {
		pts[i] = plotter.XY{X: float64(i), Y: v}
	}
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs})
	if err != nil {
		return err
	}
	eb.Color, eb.LineStyle.Width = chart.Ink, vg.Points(1)
	p.Add(eb)
	labels := make([]string, len(vals))
	top := make(plotter.XYs, len(vals))
	for i, v := range vals {
		labels[i] = fmt.Sprintf("%.2f%%", v)
		top[i] = plotter.XY{X: float64(i), Y: v + errs[i].High}
	}
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: top, Labels: labels})
	if err != nil {
		return err
	}
	for i := range lb.TextStyle {
		lb.TextStyle[i].XAlign, lb.TextStyle[i].Font.Size = draw.XCenter, vg.Points(10)
		lb.Offset = vg.Point{Y: vg.Points(3)}
	}
	p.Add(lb)
	p.NominalX(names...)
	floor := math.Max(0, math.Floor(lo/5)*5-5)
	p.Y.Min, p.Y.Max = floor, math.Min(100, math.Ceil(100*maxOf(vals)/100)+3)
	p.Y.Label.Text = "test accuracy (%), 95% interval"
	if floor > 0 {
		p.Title.Text += fmt.Sprintf(" (the axis starts at %.0f%%, not 0)", floor)
	}
	return chart.Save(path, p, nil, 6*vg.Inch, 4*vg.Inch)
}

func maxOf(v plotter.Values) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

// writeCurve draws accuracy against k, a line per representation with a
// curve; nothing when none has one.
func writeCurve(path string, rs []results.KNN) error {
	p := chart.New("kNN test accuracy against k", "neighbours k (log scale)", "test accuracy (%)")
	l := chart.Legend()
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
		if err := chart.AddLine(p, l, i, r.Representation, pts, vg.Points(3.5)); err != nil {
			return err
		}
		drawn++
	}
	if drawn == 0 {
		return nil
	}
	return chart.Save(path, p, l, 7*vg.Inch, 4*vg.Inch)
}

// scatter is 2-D test codes with their labels, for a plot.
type scatter struct {
	x, y   []float64
	labels []int
}

// writeScatter draws 2-D points coloured and shaped by class, the class
// names in a legend beside the plot.
func writeScatter(path, title, xLabel, yLabel string, classes []string, s scatter) error {
	p := chart.New(title, xLabel, yLabel)
	l := chart.Legend()
	for c := range classes {
		var pts plotter.XYs
		for i, lab := range s.labels {
			if lab == c {
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
		sc.GlyphStyle.Color, sc.GlyphStyle.Shape, sc.GlyphStyle.Radius = chart.Color(c), chart.Shape(c), vg.Points(2.2)
		p.Add(sc)
		key := *sc
		key.GlyphStyle.Radius = vg.Points(4)
		l.Add(classes[c], &key)
	}
	return chart.Save(path, p, l, 7.5*vg.Inch, 5.5*vg.Inch)
}

// writeConfusions draws one heatmap per representation; the files are
// report/confusion_<representation>.png.
func writeConfusions(run layout.Run, rs []results.KNN, classes []string) error {
	for _, r := range rs {
		title := fmt.Sprintf("%s: %.2f%%", r.Representation, 100*r.Accuracy)
		if err := chart.Confusion(run.ReportPlot("confusion_"+r.Representation), title, r.Confusion, data.ShortNames(classes),
			chart.HeatmapSize(len(classes), 4.5*vg.Inch)); err != nil {
			return err
		}
	}
	return nil
}

// scatterData takes 2-D views of the test codes: PCA's first two
// components, and the autoencoder codes projected on their own first two
// principal components (fitted on the training codes).
func (r *report) scatterData(run layout.Run, red *results.Reduction, labels []int) error {
	r.scatter = map[results.Kind]scatter{}
	n := min(len(labels), mapPoints)
	var smallPCA *results.Representation
	for i := range red.Representations {
		if rep := &red.Representations[i]; rep.Kind == results.PCA && rep.Dim >= 2 && (smallPCA == nil || rep.Dim < smallPCA.Dim) {
			smallPCA = rep
		}
	}
	if smallPCA != nil {
		m, err := sampleRows(run.Codes(layout.TestSplit, smallPCA.Rep.Name()), n)
		if err != nil {
			return err
		}
		r.scatter[results.PCA] = columns(m, n, labels)
	}
	ae := red.Find(results.Autoencoder)
	if ae == nil {
		ae = red.Find(results.VAE)
	}
	if ae != nil {
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
