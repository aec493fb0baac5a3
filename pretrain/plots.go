package pretrain

import (
	"fmt"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/chart"
)

// writeLossPlot draws train and validation loss per epoch (the paper's
// Figure 3.2); for the VAE the negative ELBO with its validation parts.
func writeLossPlot(path string, h []results.EpochMetrics, vae bool) error {
	p := chart.New("Autoencoder loss (per-pixel MSE)", "epoch", "MSE")
	if vae {
		p.Title.Text, p.Y.Label.Text = "VAE loss: negative ELBO and its parts", "nats per image"
	}
	l := chart.Legend()
	type series struct {
		name string
		xy   plotter.XYs
	}
	var all []series
	add := func(name string, y func(results.EpochMetrics) float64) {
		xy := make(plotter.XYs, len(h))
		for i, m := range h {
			xy[i] = plotter.XY{X: float64(m.Epoch), Y: y(m)}
		}
		all = append(all, series{name, xy})
	}
	add(trainName(h, vae), func(m results.EpochMetrics) float64 { return m.TrainLoss })
	add("validation", func(m results.EpochMetrics) float64 { return m.ValLoss })
	if vae {
		add("validation reconstruction", func(m results.EpochMetrics) float64 { return m.ValRecon })
		add("validation KL", func(m results.EpochMetrics) float64 { return m.ValKL })
	}
	for i, s := range all {
		if err := chart.AddLine(p, l, i, s.name, s.xy, vg.Points(3)); err != nil {
			return err
		}
	}
	return chart.Save(path, p, l, 6*vg.Inch, 4*vg.Inch)
}

// trainName names the train loss's line: for a VAE whose KL term was
// weighed by other than 1 in some epoch (pretrain.beta, pretrain.kl_warmup)
// the train loss is not the negative ELBO the validation lines show.
func trainName(h []results.EpochMetrics, vae bool) string {
	if vae {
		for _, m := range h {
			if m.KLWeight != 1 {
				return "train (KL term weighted as trained)"
			}
		}
	}
	return "train"
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

// writeReconstructions draws two blocks, each a row of originals above a
// row of their reconstructions (the paper's Figure 3.3; a VAE's decoded
// from the posterior means) with each image's per-pixel MSE under it: the
// first test images, then the worst-reconstructed ones.
func writeReconstructions(path string, shape [3]int, first, bad []shown, vae bool) error {
	scale := max(1, 84/max(shape[0], shape[1])) // the paper's 28x28 three times enlarged
	n := max(len(first), len(bad))
	p := chart.NewPicture(shape, 0, 0, scale)
	cell, cellH := p.CellW(), p.CellH()
	block := chart.TextLine + 2*cellH + chart.TextLine
	p = chart.NewPicture(shape, n*cell+chart.ImageGap, 2*block+chart.ImageGap, scale)
	for b, row := range [][]shown{first, bad} {
		y0 := b * block
		title := fmt.Sprintf("first %d test images: original above, reconstruction below, per-pixel MSE", len(row))
		if vae {
			title = fmt.Sprintf("first %d test images: original above, decoded posterior mean below, per-pixel MSE", len(row))
		}
		if b == 1 {
			title = fmt.Sprintf("the %d worst-reconstructed test images", len(row))
		}
		p.Text(chart.ImageGap, y0+12, title)
		for i, s := range row {
			x := chart.ImageGap + i*cell
			p.Image(s.orig, x, y0+chart.TextLine)
			p.Image(s.reco, x, y0+chart.TextLine+cellH)
			p.Text(x, y0+chart.TextLine+2*cellH+10, fmt.Sprintf("%.4f", s.mse))
		}
	}
	return p.Save(path)
}
