package reduce

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/hourglass-ml/hourglass/internal/plotfile"
)

// writeExplainedVariance plots the ratio per component and the cumulative
// ratio, with the configured sizes marked.
func writeExplainedVariance(path string, ratio []float64, dims []int) error {
	if len(ratio) == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text = "PCA explained variance (training images)"
	p.X.Label.Text = "component"
	p.Y.Label.Text = "share of variance"
	per, cum := make(plotter.XYs, len(ratio)), make(plotter.XYs, len(ratio))
	s := 0.0
	for i, r := range ratio {
		s += r
		per[i] = plotter.XY{X: float64(i + 1), Y: r}
		cum[i] = plotter.XY{X: float64(i + 1), Y: s}
	}
	if err := plotutil.AddLines(p, "per component", per, "cumulative", cum); err != nil {
		return err
	}
	var marks plotter.XYs
	for _, d := range dims {
		if d >= 1 && d <= len(ratio) {
			marks = append(marks, cum[d-1])
		}
	}
	if len(marks) > 0 {
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return err
		}
		p.Add(sc)
		p.Legend.Add("configured sizes", sc)
	}
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.YOffs = -vg.Inch
	return plotfile.Save(p, path, 6*vg.Inch, 4*vg.Inch)
}
