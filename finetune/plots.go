package finetune

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/plotfile"
	"github.com/hourglass-ml/hourglass/results"
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
func writeEfficiencyPlot(path string, rows []results.TransferRow, trainImages int) error {
	p := plot.New()
	p.Title.Text = "Label efficiency"
	p.X.Label.Text = "labels per class (log scale)"
	p.Y.Label.Text = "test accuracy (%)"
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
				return float64(trainImages) / data.Classes
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
		line.Color, points.Color = plotutil.Color(i), plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return err
		}
		bars.Color = plotutil.Color(i)
		p.Add(line, points, bars)
		p.Legend.Add(string(m), line, points)
	}
	p.Legend.Left, p.Legend.Top = true, true
	return plotfile.Save(p, path, 6*vg.Inch, 4*vg.Inch)
}

// confusionGrid adapts a confusion matrix to plotter.GridXYZ (rows drawn
// top to bottom).
type confusionGrid results.Confusion

func (g confusionGrid) Dims() (int, int)   { return data.Classes, data.Classes }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }
func (g confusionGrid) Z(c, r int) float64 { return math.Log1p(float64(g[data.Classes-1-r][c])) }

// writeConfusionPlot draws the confusion matrix as a heat map with counts.
func writeConfusionPlot(path string, cm results.Confusion, title string) error {
	p := plot.New()
	p.Title.Text = "Confusion matrix, best classifier: " + title
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	pal := palette{}
	hm := plotter.NewHeatMap(confusionGrid(cm), pal)
	p.Add(hm)
	var labels plotter.XYLabels
	for t := 0; t < data.Classes; t++ {
		for pr := 0; pr < data.Classes; pr++ {
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(pr), Y: float64(data.Classes - 1 - t)})
			labels.Labels = append(labels.Labels, fmt.Sprint(cm[t][pr]))
		}
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
	}
	p.Add(l)
	ticks := make([]plot.Tick, data.Classes)
	yt := make([]plot.Tick, data.Classes)
	for c := 0; c < data.Classes; c++ {
		ticks[c] = plot.Tick{Value: float64(c), Label: fmt.Sprint(c)}
		yt[c] = plot.Tick{Value: float64(data.Classes - 1 - c), Label: fmt.Sprint(c)}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	return plotfile.Save(p, path, 6*vg.Inch, 6*vg.Inch)
}

// palette runs from white to a dark blue.
type palette struct{}

func (palette) Colors() []color.Color {
	out := make([]color.Color, 64)
	for i := range out {
		f := float64(i) / 63
		out[i] = color.RGBA{R: uint8(255 * (1 - 0.8*f)), G: uint8(255 * (1 - 0.6*f)), B: uint8(255 - 80*f), A: 255}
	}
	return out
}
