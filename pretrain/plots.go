package pretrain

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"sort"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/chart"
	"github.com/hourglass-ml/hourglass/results"
)

// writeLossPlot draws train and validation loss per epoch (the paper's
// Figure 3.2).
func writeLossPlot(path string, h []results.EpochMetrics) error {
	p := chart.New("Autoencoder loss (per-pixel MSE)", "epoch", "MSE")
	l := chart.Legend()
	train, val := make(plotter.XYs, len(h)), make(plotter.XYs, len(h))
	for i, m := range h {
		train[i] = plotter.XY{X: float64(m.Epoch), Y: m.TrainLoss}
		val[i] = plotter.XY{X: float64(m.Epoch), Y: m.ValLoss}
	}
	for i, s := range []struct {
		name string
		xy   plotter.XYs
	}{{"train", train}, {"validation", val}} {
		line, points, err := plotter.NewLinePoints(s.xy)
		if err != nil {
			return err
		}
		line.Color, line.Width = chart.Color(i), vg.Points(1.5)
		points.Color, points.Shape, points.Radius = chart.Color(i), chart.Shape(i), vg.Points(3)
		p.Add(line, points)
		l.Add(s.name, line, points)
	}
	return chart.Save(path, p, l, 6*vg.Inch, 4*vg.Inch)
}

// shown is one test image with its reconstruction and error.
type shown struct {
	index      int
	orig, reco []float32
	mse        float64
}

// worst returns the n test images reconstructed worst (largest MSE,
// ties: lower index first).
func worst(all []shown, n int) []shown {
	s := append([]shown(nil), all...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].mse > s[j].mse })
	return s[:min(n, len(s))]
}

// Layout of the reconstructions picture, in pixels.
const (
	scale    = 3 // pixels per image pixel
	gap      = 4
	cell     = data.Cols*scale + gap
	textLine = 16
)

// writeReconstructions draws two blocks, each a row of originals above a
// row of their reconstructions (the paper's Figure 3.3) with each image's
// MSE under it: the first test images, then the worst-reconstructed ones.
func writeReconstructions(path string, first, bad []shown) error {
	n := max(len(first), len(bad))
	w := n*cell + gap
	block := textLine + 2*cell + textLine
	h := 2*block + gap
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for b, row := range [][]shown{first, bad} {
		y0 := b * block
		title := fmt.Sprintf("first %d test images: original above, reconstruction below, per-image MSE", len(row))
		if b == 1 {
			title = fmt.Sprintf("the %d worst-reconstructed test images", len(row))
		}
		label(img, gap, y0+12, title, chart.Ink)
		for i, s := range row {
			x := gap + i*cell
			drawImage(img, s.orig, x, y0+textLine)
			drawImage(img, s.reco, x, y0+textLine+cell)
			label(img, x, y0+textLine+2*cell+10, fmt.Sprintf("%.4f", s.mse), chart.Ink)
		}
	}
	return atomicfile.Write(path, func(wr io.Writer) error { return png.Encode(wr, img) })
}

// drawImage paints 28x28 pixels in [0, 1] (white on black, as the data)
// scale times enlarged at (x0, y0).
func drawImage(img *image.RGBA, px []float32, x0, y0 int) {
	for y := 0; y < data.Rows*scale; y++ {
		for x := 0; x < data.Cols*scale; x++ {
			v := min(max(px[(y/scale)*data.Cols+x/scale], 0), 1)
			g := uint8(255*v + 0.5)
			img.SetRGBA(x0+x, y0+y, color.RGBA{g, g, g, 255})
		}
	}
}

// label writes text with its baseline at (x, y).
func label(img *image.RGBA, x, y int, text string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(text)
}
