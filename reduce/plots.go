package reduce

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/hourglass-ml/hourglass/internal/numeric/chart"
)

// writeExplainedVariance plots the ratio per component and the cumulative
// ratio, with the configured sizes marked.
func writeExplainedVariance(path string, ratio []float64, dims []int) error {
	if len(ratio) == 0 {
		return nil
	}
	p := chart.New("PCA explained variance (training images)", "component", "share of the variance")
	l := chart.Legend()
	per, cum := make(plotter.XYs, len(ratio)), make(plotter.XYs, len(ratio))
	s := 0.0
	for i, r := range ratio {
		s += r
		per[i] = plotter.XY{X: float64(i + 1), Y: r}
		cum[i] = plotter.XY{X: float64(i + 1), Y: s}
	}
	for i, series := range []struct {
		name string
		xy   plotter.XYs
	}{{"per component", per}, {"cumulative", cum}} {
		line, err := plotter.NewLine(series.xy)
		if err != nil {
			return err
		}
		line.Color, line.Width = chart.Color(i), vg.Points(1.5)
		p.Add(line)
		l.Add(series.name, line)
	}
	var marks plotter.XYs
	var labels []string
	for _, d := range dims {
		if d >= 1 && d <= len(ratio) {
			marks = append(marks, cum[d-1])
			labels = append(labels, fmt.Sprintf("%d: %.0f%%", d, 100*cum[d-1].Y))
		}
	}
	if len(marks) > 0 {
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Shape, sc.GlyphStyle.Radius = chart.Color(3), chart.Shape(3), vg.Points(4)
		p.Add(sc)
		l.Add("configured sizes", sc)
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: marks, Labels: labels})
		if err != nil {
			return err
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i].Font.Size = vg.Points(9)
			lb.Offset = vg.Point{X: vg.Points(5), Y: -vg.Points(12)}
		}
		p.Add(lb)
	}
	p.Y.Min, p.Y.Max = 0, 1.02
	return chart.Save(path, p, l, 6*vg.Inch, 4*vg.Inch)
}
