package finetune

import (
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/chart"
)

// errPoints are points with vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// writeEfficiencyPlot draws test accuracy against labels per class (log
// axis), one line per method, with the 95% intervals of the means as
// error bars. "all" is placed at
// the training split's images per class.
func writeEfficiencyPlot(path string, rows []results.TransferRow, trainImages, classes int) error {
	p := chart.New("Label efficiency: test accuracy, mean and 95% interval over seeds", "labels per class (log scale)", "test accuracy (%)")
	l := chart.Legend()
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	byMethod := map[config.Method][]results.TransferRow{}
	var methods []config.Method
	for _, r := range rows {
		if _, ok := byMethod[r.Method]; !ok {
			methods = append(methods, r.Method)
		}
		byMethod[r.Method] = append(byMethod[r.Method], r)
	}
	for i, m := range methods {
		rs := byMethod[m]
		x := func(r results.TransferRow) float64 {
			if r.LabelsPerClass == config.AllLabels {
				return float64(trainImages) / float64(classes)
			}
			return float64(r.LabelsPerClass)
		}
		sort.Slice(rs, func(a, b int) bool { return x(rs[a]) < x(rs[b]) })
		pts := errPoints{}
		for _, r := range rs {
			pts.XYs = append(pts.XYs, plotter.XY{X: x(r), Y: 100 * r.MeanAccuracy})
			// The 95% interval of the mean (none for one run).
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{100 * (r.MeanAccuracy - r.Low), 100 * (r.High - r.MeanAccuracy)})
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		line.Color, points.Color, line.Width = chart.Color(i), chart.Color(i), vg.Points(1.5)
		points.Shape, points.Radius = chart.Shape(i), vg.Points(3.5)
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return err
		}
		bars.Color, bars.LineStyle.Width = chart.Color(i), vg.Points(1.2)
		p.Add(line, points, bars)
		l.Add(string(m), line, points)
	}
	return chart.Save(path, p, l, 7*vg.Inch, 4*vg.Inch)
}

// writeConfusionPlot draws the best classifier's confusion matrix as a
// heatmap with counts.
func writeConfusionPlot(path string, cm results.Confusion, names []string, title string) error {
	return chart.Confusion(path, "Best classifier: "+title, cm, names, chart.HeatmapSize(len(names), 6*vg.Inch))
}
