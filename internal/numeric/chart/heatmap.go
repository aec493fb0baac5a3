package chart

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Confusion draws a confusion matrix ([true][predicted] counts) as a
// heatmap: each cell's colour is its share of its row (the true class), so
// where a class's images go shows at a glance; the counts are written in
// the cells. names label the classes (short forms suit small plots).
func Confusion(path, title string, cm [][]int, names []string, size vg.Length) error {
	n := len(cm)
	p := New(title, "predicted class", "true class")
	p.Add(heat{cm: cm})
	var labels plotter.XYLabels
	for t := range n {
		total := 0
		for _, v := range cm[t] {
			total += v
		}
		for pr := range n {
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(pr), Y: float64(n - 1 - t)})
			labels.Labels = append(labels.Labels, fmt.Sprint(cm[t][pr]))
		}
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		l.TextStyle[i].Font.Size = vg.Points(8)
		t, pr := i/n, i%n
		if share(cm, t, pr) > 0.55 {
			l.TextStyle[i].Color = color.White
		}
	}
	p.Add(l)
	xt, yt := make([]plot.Tick, n), make([]plot.Tick, n)
	for c := range n {
		name := fmt.Sprint(c)
		if c < len(names) {
			name = names[c]
		}
		xt[c] = plot.Tick{Value: float64(c), Label: name}
		yt[c] = plot.Tick{Value: float64(n - 1 - c), Label: name}
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Tick.Label.Rotation = 0.7
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	return Save(path, p, nil, size, size)
}

// share is cell (t, p)'s share of row t.
func share(cm [][]int, t, p int) float64 {
	total := 0
	for _, v := range cm[t] {
		total += v
	}
	if total == 0 {
		return 0
	}
	return float64(cm[t][p]) / float64(total)
}

// heat draws the cells as squares shaded from white to dark blue by their
// row share.
type heat struct{ cm [][]int }

func (h heat) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	n := len(h.cm)
	for t := range n {
		for pr := range n {
			f := share(h.cm, t, pr)
			col := color.RGBA{uint8(255 - 222*f), uint8(255 - 179*f), uint8(255 - 100*f), 255}
			x0, x1 := tx(float64(pr)-0.5), tx(float64(pr)+0.5)
			y0, y1 := ty(float64(n-1-t)-0.5), ty(float64(n-1-t)+0.5)
			c.SetColor(col)
			c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}.Path())
		}
	}
}

// HeatmapSize is the side of a confusion heatmap of n classes: base for up
// to 10 classes, growing with n beyond so the counts stay legible.
func HeatmapSize(n int, base vg.Length) vg.Length {
	if n <= 10 {
		return base
	}
	return base * vg.Length(n) / 10
}
