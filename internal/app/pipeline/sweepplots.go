package pipeline

import (
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/hourglass-ml/hourglass/internal/numeric/chart"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// sweepPlot is one plot of sweep.html: a kind of figure against a swept
// key's values.
type sweepPlot struct {
	File    string // its PNG's name in the sweep's folder
	Key     string
	Caption string
	Alt     string
}

// xScale is how a swept key's values lie on a plot's x axis.
type xScale struct {
	numeric bool      // every value a number: placed at its value
	log     bool      // numbers above 0 spanning a factor of 10 or more
	at      []float64 // each value's place (its index when not numeric)
}

// spansDecade is whether every x is above 0 and the largest is 10 or more
// times the smallest: a log axis then shows every point apart.
func spansDecade(xs []float64) bool {
	if len(xs) < 2 {
		return false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) {
			return false
		}
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return hi >= 10*lo
}

// scaleOf places a key's values: at their numbers when every value is one
// (and there are two or more), on a log axis when they span a decade;
// else one after another in the order given.
func scaleOf(values []string) xScale {
	s := xScale{at: make([]float64, len(values)), numeric: len(values) > 1}
	for i, v := range values {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			s.numeric = false
		}
		s.at[i] = x
	}
	if !s.numeric {
		for i := range s.at {
			s.at[i] = float64(i)
		}
		return s
	}
	s.log = spansDecade(s.at)
	return s
}

// keyPoint is a figure's mean and 95% interval over the finished runs at
// one value of a swept key.
type keyPoint struct {
	x        float64
	mean     float64
	low, hi  float64 // the interval's ends; the mean when there is none
	interval bool
}

// seriesAt is figure f against axis k: a point per value with finished
// runs, pooling every run with that value (the other swept keys' values
// and the seeds alike); scaled by scale (100 for percentages).
func (r *SweepReport) seriesAt(k int, f string, xs xScale, scale float64) []keyPoint {
	var pts []keyPoint
	for vi, val := range r.Axes[k].Values {
		var ys []float64
		for _, run := range r.Runs {
			if run.Status != StatusDone || run.Values[k] != val {
				continue
			}
			if y, ok := run.Figures[f]; ok {
				ys = append(ys, scale*y)
			}
		}
		if len(ys) == 0 {
			continue
		}
		iv := stats.MeanInterval(ys, 0.95)
		p := keyPoint{x: xs.at[vi], mean: iv.Mean, low: iv.Mean, hi: iv.Mean}
		if iv.N >= 2 && !math.IsNaN(iv.Lo+iv.Hi) && !math.IsInf(iv.Lo+iv.Hi, 0) {
			p.low, p.hi, p.interval = iv.Lo, iv.Hi, true
		}
		pts = append(pts, p)
	}
	return pts
}

// writePlots draws, per swept key but the seed and per kind of figure but
// the times, each figure against the key's values into dir, and returns
// the plots in order.
func (r *SweepReport) writePlots(dir string) ([]sweepPlot, error) {
	var out []sweepPlot
	others := 0
	for _, a := range r.Axes {
		if a.Key != "seed" {
			others++
		}
	}
	for k, a := range r.Axes {
		if a.Key == "seed" {
			continue
		}
		xs := scaleOf(a.Values)
		for _, g := range figureGroups {
			if g.name == "seconds" {
				continue
			}
			figs := r.groupFigures(g.prefix)
			if len(figs) == 0 {
				continue
			}
			scale := 1.0
			if g.name != "mse" {
				scale = 100
			}
			var series [][]keyPoint
			var names []string
			for _, f := range figs {
				if pts := r.seriesAt(k, f, xs, scale); len(pts) > 0 {
					series = append(series, pts)
					_, name, ok := strings.Cut(f, ":")
					if !ok {
						name = "test MSE"
					}
					names = append(names, name)
				}
			}
			if len(series) == 0 {
				continue
			}
			file := "sweep_" + fileSafe(a.Key) + "_" + g.name + ".png"
			logY, err := drawKeyPlot(filepath.Join(dir, file), g.title+" against "+a.Key, a.Key, g.yLabel, a.Values, xs, series, names)
			if err != nil {
				return nil, err
			}
			caption := g.title + " against " + a.Key + ": the mean over the runs with each value and its 95% Student-t interval (bars, where there are two or more runs)"
			if others > 1 {
				caption += ", the other swept keys' values pooled"
			}
			var scales []string
			if xs.log {
				scales = append(scales, "x")
			}
			if logY {
				scales = append(scales, "y")
			}
			if len(scales) > 0 {
				caption += "; log scale on " + strings.Join(scales, " and ")
			}
			out = append(out, sweepPlot{File: file, Key: a.Key, Caption: caption,
				Alt: "Line chart of " + strings.ToLower(g.title) + " against " + a.Key + ", one line per " + map[bool]string{true: "representation", false: "method and label count"}[g.name == "knn"]})
		}
	}
	return out, nil
}

// drawKeyPlot draws one line per series with its intervals as error bars,
// and returns whether the y axis is logarithmic: when every point's
// interval stays above 0 and the values span a decade.
func drawKeyPlot(path, title, key, yLabel string, values []string, xs xScale, series [][]keyPoint, names []string) (bool, error) {
	var ys []float64
	for _, s := range series {
		for _, p := range s {
			ys = append(ys, p.low, p.hi)
		}
	}
	logY := spansDecade(ys)
	xLabel := key
	if xs.log {
		xLabel += " (log scale)"
	}
	if logY {
		yLabel += " (log scale)"
	}
	p := chart.New(title, xLabel, yLabel)
	l := chart.Legend()
	if xs.log {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	if logY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	for i, s := range series {
		pts := errPoints{}
		for _, q := range s {
			pts.XYs = append(pts.XYs, plotter.XY{X: q.x, Y: q.mean})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{q.mean - q.low, q.hi - q.mean})
		}
		if err := chart.AddLine(p, l, i, names[i], pts.XYs, vg.Points(3.5)); err != nil {
			return false, err
		}
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return false, err
		}
		bars.Color, bars.LineStyle.Width = chart.Color(i), vg.Points(1.2)
		p.Add(bars)
	}
	if ylo, yhi := floats.Min(ys), floats.Max(ys); !logY && yhi > ylo {
		pad := 0.06 * (yhi - ylo)
		p.Y.Min, p.Y.Max = ylo-pad, yhi+pad
	}
	lo, hi := xs.at[0], xs.at[0]
	for _, x := range xs.at {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	switch {
	case !xs.numeric:
		p.NominalX(tickNames(key, values)...)
		p.X.Min, p.X.Max = -0.5, float64(len(values))-0.5
	case xs.log:
		p.X.Min, p.X.Max = lo/1.25, hi*1.25
	default:
		pad := 0.05 * (hi - lo)
		p.X.Min, p.X.Max = lo-pad, hi+pad
	}
	return logY, chart.Save(path, p, l, 7*vg.Inch, 4*vg.Inch)
}

// errPoints are points with vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// fileSafe keeps letters, digits, '.', '-' and '_' of a key for a file
// name, replacing anything else by '_'.
func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// tickNames are a text axis's tick labels: a swept folder's or file's
// (the keys that name one) without the path elements every value shares
// at its start and at its end, where what is left tells them apart
// ("runs/pools/u1000/unlabelled.npy" and ".../u5000/..." become "u1000"
// and "u5000"), so that long paths do not overlap; "" reads "(none)". The
// axis title keeps the key. Other keys' values, "/" in them or not, are
// kept whole.
func tickNames(key string, values []string) []string {
	if !slices.Contains(pathKeys, key) {
		return values
	}
	var parts [][]string
	for _, v := range values {
		if v != "" {
			parts = append(parts, strings.Split(filepath.ToSlash(filepath.Clean(v)), "/"))
		}
	}
	lead, trail := commonEnds(parts)
	out := make([]string, len(values))
	seen := map[string]bool{}
	i := 0
	for j, v := range values {
		if v == "" {
			out[j] = "(none)"
		} else {
			p := parts[i]
			i++
			out[j] = strings.Join(p[lead:len(p)-trail], "/")
		}
		if out[j] == "" || seen[out[j]] {
			return values
		}
		seen[out[j]] = true
	}
	return out
}

// commonEnds counts the path elements every one of parts shares at its
// start and at its end, leaving each at least one element.
func commonEnds(parts [][]string) (lead, trail int) {
	if len(parts) < 2 {
		if len(parts) == 1 { // one path: its last element
			return len(parts[0]) - 1, 0
		}
		return 0, 0
	}
	shortest := len(parts[0])
	for _, p := range parts {
		shortest = min(shortest, len(p))
	}
	same := func(at func(p []string) string) bool {
		for _, p := range parts[1:] {
			if at(p) != at(parts[0]) {
				return false
			}
		}
		return true
	}
	for lead < shortest-1 && same(func(p []string) string { return p[lead] }) {
		lead++
	}
	for trail < shortest-1-lead && same(func(p []string) string { return p[len(p)-1-trail] }) {
		trail++
	}
	return lead, trail
}

// pathKeys are the keys whose values are folders or files.
var pathKeys = []string{"pretrain.from", "generate.autoencoder", "data.dir", "data.unlabelled", "output_dir"}
