package pretrain

import (
	"image"
	"image/color"
	"image/png"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/plotfile"
	"github.com/hourglass-ml/hourglass/results"
)

// writeLossPlot draws train and validation loss per epoch (the paper's
// Figure 3.2).
func writeLossPlot(path string, h []results.EpochMetrics) error {
	p := plot.New()
	p.Title.Text = "Autoencoder loss (per-pixel MSE)"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "MSE"
	train, val := make(plotter.XYs, len(h)), make(plotter.XYs, len(h))
	for i, m := range h {
		train[i] = plotter.XY{X: float64(m.Epoch), Y: m.TrainLoss}
		val[i] = plotter.XY{X: float64(m.Epoch), Y: m.ValLoss}
	}
	if err := plotutil.AddLinePoints(p, "train", train, "validation", val); err != nil {
		return err
	}
	p.Legend.Top = true
	return plotfile.Save(p, path, 6*vg.Inch, 4*vg.Inch)
}

// writeReconstructions draws a row of originals above a row of their
// reconstructions (the paper's Figure 3.3), each pixel scale x scale.
func writeReconstructions(path string, originals, recons []float32, n, scale int) error {
	const gap = 2
	w := n*(data.Cols*scale+gap) + gap
	h := 2*(data.Rows*scale+gap) + gap
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 128 // grey gaps between the black-backed images
	}
	draw := func(px []float32, row, col int) {
		x0, y0 := gap+col*(data.Cols*scale+gap), gap+row*(data.Rows*scale+gap)
		for y := 0; y < data.Rows*scale; y++ {
			for x := 0; x < data.Cols*scale; x++ {
				v := px[(y/scale)*data.Cols+x/scale]
				v = min(max(v, 0), 1)
				img.SetGray(x0+x, y0+y, color.Gray{Y: uint8(255*v + 0.5)})
			}
		}
	}
	for i := 0; i < n; i++ {
		draw(originals[i*data.Pixels:(i+1)*data.Pixels], 0, i)
		draw(recons[i*data.Pixels:(i+1)*data.Pixels], 1, i)
	}
	return atomicfile.Write(path, func(wr io.Writer) error { return png.Encode(wr, img) })
}
