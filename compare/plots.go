package compare

import (
	"image/color"
	"path/filepath"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/plotfile"
	"github.com/hourglass-ml/hourglass/reduce"
)

// ClassNames are Fashion-MNIST's labels.
var ClassNames = [data.Classes]string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// writeAccuracyBars draws kNN accuracy per representation.
func writeAccuracyBars(path string, rs []KNNResult) error {
	p := plot.New()
	p.Title.Text = "kNN accuracy by representation"
	p.Y.Label.Text = "test accuracy (%)"
	vals := make(plotter.Values, len(rs))
	names := make([]string, len(rs))
	for i, r := range rs {
		vals[i] = 100 * r.Accuracy
		names[i] = r.Representation
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(30))
	if err != nil {
		return err
	}
	bars.Color = color.RGBA{R: 70, G: 110, B: 180, A: 255}
	p.Add(bars)
	p.NominalX(names...)
	lo := 100.0
	for _, v := range vals {
		lo = min(lo, v)
	}
	p.Y.Min = max(0, lo-10)
	p.Y.Max = 100
	return plotfile.Save(p, path, 6*vg.Inch, 4*vg.Inch)
}

// writeScatter draws 2-D test codes coloured by class.
func writeScatter(path, title string, s scatter) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "axis 1"
	p.Y.Label.Text = "axis 2"
	for c := 0; c < data.Classes; c++ {
		var pts plotter.XYs
		for i, l := range s.labels {
			if l == c {
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
		sc.GlyphStyle.Color = plotutil.Color(c)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		sc.GlyphStyle.Radius = vg.Points(1.5)
		p.Add(sc)
		p.Legend.Add(ClassNames[c], sc)
	}
	p.Legend.Left = true
	return plotfile.Save(p, path, 7*vg.Inch, 5*vg.Inch)
}

// scatterData takes 2-D views of the test codes: PCA's first two
// components, and the autoencoder codes projected on their own first two
// principal components (fitted on the training codes).
func scatterData(rdir string, red *reduce.Result, labels []int, res *Results) error {
	res.scatter = map[string]scatter{}
	n := min(len(labels), 2000)
	var pcaFile string
	minDim := 1 << 30
	for _, r := range red.Representations {
		if r.Name != "autoencoder" && r.Dim >= 2 && r.Dim < minDim {
			pcaFile, minDim = r.TestFile, r.Dim
		}
	}
	if pcaFile != "" {
		m, err := reduce.ReadCodes(filepath.Join(rdir, pcaFile))
		if err != nil {
			return err
		}
		res.scatter["pca"] = columns(m, n, labels)
	}
	for _, r := range red.Representations {
		if r.Name != "autoencoder" {
			continue
		}
		tr, err := reduce.ReadCodes(filepath.Join(rdir, r.TrainFile))
		if err != nil {
			return err
		}
		te, err := reduce.ReadCodes(filepath.Join(rdir, r.TestFile))
		if err != nil {
			return err
		}
		p := reduce.NewPCA(2)
		if err := p.Fit(tr); err != nil {
			return err
		}
		proj, err := p.Transform(te)
		if err != nil {
			return err
		}
		res.scatter["autoencoder"] = columns(proj, n, labels)
	}
	return nil
}

func columns(m *mat.Dense, n int, labels []int) scatter {
	s := scatter{labels: labels[:n]}
	for i := 0; i < n; i++ {
		s.x = append(s.x, m.At(i, 0))
		s.y = append(s.y, m.At(i, 1))
	}
	return s
}
