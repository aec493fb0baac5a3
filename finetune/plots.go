package finetune

import (
	"fmt"
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
	byMethod := map[arm][]results.TransferRow{}
	var methods []arm
	for _, r := range rows {
		a := arm{r.Method, r.Blocks}
		if _, ok := byMethod[a]; !ok {
			methods = append(methods, a)
		}
		byMethod[a] = append(byMethod[a], r)
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
		l.Add(m.String(), line, points)
	}
	return chart.Save(path, p, l, 7*vg.Inch, 4*vg.Inch)
}

// writeConfusionPlot draws the best classifier's confusion matrix as a
// heatmap with counts.
func writeConfusionPlot(path string, cm results.Confusion, names []string, title string) error {
	return chart.Confusion(path, "Best classifier: "+title, cm, names, chart.HeatmapSize(len(names), 6*vg.Inch))
}

// writeBlocksPlot draws test accuracy against the number of pretrained
// encoder blocks transferred (finetune.blocks; 0 is scratch, drawn at the
// start of every line): one line per method and label count, with the 95%
// intervals of the means as error bars.
func writeBlocksPlot(path string, rows []results.TransferRow) error {
	p := chart.New("Transfer by depth: test accuracy against pretrained blocks kept", "encoder blocks taken from the pretrained model (0: scratch)", "test accuracy (%)")
	l := chart.Legend()
	type line struct {
		m config.Method
		n config.LabelCount
	}
	var lines []line
	pts := map[line]errPoints{}
	scratch := map[config.LabelCount]results.TransferRow{}
	for _, r := range rows {
		if r.Method == config.Scratch {
			scratch[r.LabelsPerClass] = r
		}
	}
	add := func(k line, r results.TransferRow, x float64) {
		if _, ok := pts[k]; !ok {
			lines = append(lines, k)
			if s, ok := scratch[k.n]; ok && x > 0 {
				e := pts[k]
				e.XYs = append(e.XYs, plotter.XY{X: 0, Y: 100 * s.MeanAccuracy})
				e.YErrors = append(e.YErrors, struct{ Low, High float64 }{100 * (s.MeanAccuracy - s.Low), 100 * (s.High - s.MeanAccuracy)})
				pts[k] = e
			}
		}
		e := pts[k]
		e.XYs = append(e.XYs, plotter.XY{X: x, Y: 100 * r.MeanAccuracy})
		e.YErrors = append(e.YErrors, struct{ Low, High float64 }{100 * (r.MeanAccuracy - r.Low), 100 * (r.High - r.MeanAccuracy)})
		pts[k] = e
	}
	for _, r := range rows {
		if r.Method != config.Scratch && r.Blocks > 0 {
			add(line{r.Method, r.LabelsPerClass}, r, float64(r.Blocks))
		}
	}
	for i, k := range lines {
		e := pts[k]
		sort.Sort(byX(e))
		ln, points, err := plotter.NewLinePoints(e)
		if err != nil {
			return err
		}
		ln.Color, points.Color, ln.Width = chart.Color(i), chart.Color(i), vg.Points(1.5)
		points.Shape, points.Radius = chart.Shape(i), vg.Points(3.5)
		if k.m == config.Unfrozen {
			ln.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		bars, err := plotter.NewYErrorBars(e)
		if err != nil {
			return err
		}
		bars.Color, bars.LineStyle.Width = chart.Color(i), vg.Points(1.2)
		p.Add(ln, points, bars)
		l.Add(fmt.Sprintf("%s, %s labels/class", k.m, k.n), ln, points)
	}
	p.X.Tick.Marker = plot.ConstantTicks(blockTicks(lines, pts))
	return chart.Save(path, p, l, 7*vg.Inch, 4*vg.Inch)
}

// byX sorts points with their error bars by x.
type byX errPoints

func (e byX) Len() int           { return len(e.XYs) }
func (e byX) Less(i, j int) bool { return e.XYs[i].X < e.XYs[j].X }
func (e byX) Swap(i, j int) {
	e.XYs[i], e.XYs[j] = e.XYs[j], e.XYs[i]
	e.YErrors[i], e.YErrors[j] = e.YErrors[j], e.YErrors[i]
}

// blockTicks marks every whole block count drawn.
func blockTicks[K comparable](lines []K, pts map[K]errPoints) []plot.Tick {
	seen := map[int]bool{}
	var ticks []plot.Tick
	for _, k := range lines {
		for _, xy := range pts[k].XYs {
			if b := int(xy.X); !seen[b] {
				seen[b] = true
				ticks = append(ticks, plot.Tick{Value: xy.X, Label: fmt.Sprint(b)})
			}
		}
	}
	return ticks
}
