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
	VerdictSame               = "the same in every variant"
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
		if r.sameEverywhere(f, ma) {
			r.Best = append(r.Best, SweepBest{Figure: f, Mean: ma, Verdict: VerdictSame})
			if !strings.HasPrefix(f, "seconds:") {
				r.Conclusions = append(r.Conclusions, fmt.Sprintf("%s: %s in every variant: the swept keys do not change it", f, formatFigure(f, ma)))
			}
			continue
		}
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
		head := fmt.Sprintf("%s: best %s (mean %s), runner-up %s (%s)", f, r.variantLabel(best), formatFigure(f, ma), r.variantLabel(second), formatFigure(f, mb))
		var distinct bool
		var detail string
		switch {
		case len(diffs) >= 2:
			iv := stats.MeanInterval(diffs, 0.95)
			distinct = iv.Excludes(0)
			detail = fmt.Sprintf("difference %s, 95%% interval %s to %s over %d paired seeds",
				formatDiff(f, iv.Mean), formatDiff(f, iv.Lo), formatDiff(f, iv.Hi), len(diffs))
		default:
			ok := false
			if ra, rb := r.firstDone(a), r.firstDone(b); ra != nil && rb != nil {
				distinct, detail, ok = oneSeedTest(f, ra, rb)
			}
			if !ok {
				sb.Verdict = VerdictTooFew
				r.Best = append(r.Best, sb)
				if !strings.HasPrefix(f, "seconds:") {
					r.Conclusions = append(r.Conclusions, head+fmt.Sprintf("; %d paired seed(s), too few to test: not distinguishable until sweep.seeds gives at least 2", len(diffs)))
				}
				continue
			}
		}
		sb.Verdict = VerdictNotDistinguishable
		if distinct {
			sb.Verdict = VerdictDistinguishable
		}
		r.Best = append(r.Best, sb)
		if strings.HasPrefix(f, "seconds:") {
			continue // the times are in the summary, not tested in the conclusions
		}
		r.Conclusions = append(r.Conclusions, head+": "+sb.Verdict+" ("+detail+")")
	}
}

// sameEverywhere says whether every run with figure f has the value x
// (pixels' kNN accuracy, say, when only the model is swept).
func (r *SweepReport) sameEverywhere(f string, x float64) bool {
	for _, run := range r.Runs {
		if y, ok := run.Figures[f]; ok && run.Status == StatusDone && y != x {
			return false
		}
	}
	return true
}

// firstDone is a variant's first finished run, or nil.
func (r *SweepReport) firstDone(v SweepVariant) *SweepRunRow {
	for _, i := range v.Runs {
		if r.Runs[i].Status == StatusDone {
			return &r.Runs[i]
		}
	}
	return nil
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
