package pipeline

import (
	"fmt"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// The verdicts of SweepBest.
const (
	VerdictDistinguishable    = "distinguishable"
	VerdictNotDistinguishable = "not distinguishable"
	VerdictTooFew             = "too few seeds to test"
	VerdictOnly               = "the only variant with this figure"
)

// lowerIsBetter says which way a figure improves.
func lowerIsBetter(f string) bool {
	return f == FigureTestMSE || strings.HasPrefix(f, "seconds:")
}

// variantLabel names a variant by its swept values.
func (r *SweepReport) variantLabel(i int) string {
	var parts []string
	for j, a := range r.Axes {
		if a.Key != "seed" {
			parts = append(parts, a.Key+"="+r.Variants[i].Values[j])
		}
	}
	if len(parts) == 0 {
		return "the one variant"
	}
	return strings.Join(parts, ",")
}

// conclude finds, for every figure but the times, the best variant by its
// mean and tests it against the runner-up, paired by seed (the runs of
// both variants with the same seed offset): a 95% Student-t interval of
// the differences that excludes 0 makes the best one distinguishable.
func (r *SweepReport) conclude() {
	r.Conclusions, r.Best = nil, nil
	for _, f := range r.Figures {
		best, second := -1, -1
		better := func(a, b float64) bool {
			if lowerIsBetter(f) {
				return a < b
			}
			return a > b
		}
		for i, v := range r.Variants {
			s, ok := v.Figures[f]
			if !ok {
				continue
			}
			switch {
			case best < 0 || better(s.Mean, r.Variants[best].Figures[f].Mean):
				best, second = i, best
			case second < 0 || better(s.Mean, r.Variants[second].Figures[f].Mean):
				second = i
			}
		}
		if best < 0 {
			continue
		}
		if second < 0 {
			r.Best = append(r.Best, SweepBest{Figure: f, Variant: r.variantLabel(best), Mean: r.Variants[best].Figures[f].Mean, Verdict: VerdictOnly})
			continue
		}
		a, b := r.Variants[best], r.Variants[second]
		ma, mb := a.Figures[f].Mean, b.Figures[f].Mean
		var diffs []float64
		for k := 0; k < len(a.Runs) && k < len(b.Runs); k++ {
			ra, rb := r.Runs[a.Runs[k]], r.Runs[b.Runs[k]]
			xa, oka := ra.Figures[f]
			xb, okb := rb.Figures[f]
			if oka && okb && ra.Status == StatusDone && rb.Status == StatusDone {
				diffs = append(diffs, xa-xb)
			}
		}
		sb := SweepBest{Figure: f, Variant: r.variantLabel(best), Mean: ma, RunnerUp: r.variantLabel(second)}
		if len(diffs) < 2 {
			sb.Verdict = VerdictTooFew
		} else if stats.MeanInterval(diffs, 0.95).Excludes(0) {
			sb.Verdict = VerdictDistinguishable
		} else {
			sb.Verdict = VerdictNotDistinguishable
		}
		r.Best = append(r.Best, sb)
		if strings.HasPrefix(f, "seconds:") {
			continue // the times are in the summary, not tested in the conclusions
		}
		head := fmt.Sprintf("%s: best %s (mean %s), runner-up %s (%s)", f, r.variantLabel(best), formatFigure(f, ma), r.variantLabel(second), formatFigure(f, mb))
		if len(diffs) < 2 {
			r.Conclusions = append(r.Conclusions, head+fmt.Sprintf("; %d paired seed(s), too few to test: not distinguishable until sweep.seeds gives at least 2", len(diffs)))
			continue
		}
		iv := stats.MeanInterval(diffs, 0.95)
		detail := fmt.Sprintf("difference %s, 95%% interval %s to %s over %d paired seeds",
			formatDiff(f, iv.Mean), formatDiff(f, iv.Lo), formatDiff(f, iv.Hi), len(diffs))
		if iv.Excludes(0) {
			r.Conclusions = append(r.Conclusions, head+": distinguishable ("+detail+")")
		} else {
			r.Conclusions = append(r.Conclusions, head+": not distinguishable ("+detail+")")
		}
	}
}

// formatFigure writes a figure's value for people: accuracies in percent,
// errors to four significant digits, seconds to one decimal.
func formatFigure(f string, x float64) string {
	switch {
	case strings.HasPrefix(f, "knn:"), strings.HasPrefix(f, "transfer:"):
		return fmt.Sprintf("%.2f%%", 100*x)
	case strings.HasPrefix(f, "seconds:"):
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.4g", x)
}

// formatDiff writes a difference of a figure: accuracy points for
// accuracies.
func formatDiff(f string, x float64) string {
	if strings.HasPrefix(f, "knn:") || strings.HasPrefix(f, "transfer:") {
		return fmt.Sprintf("%+.2f points", 100*x)
	}
	return fmt.Sprintf("%+.3g", x)
}
