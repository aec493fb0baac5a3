package pipeline

import (
	"fmt"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// SameSize is one run's test of its learned codes (the autoencoder's or
// the VAE's) against PCA with as many components, as the run's compare
// stage made it: McNemar's exact test on the same test queries (the
// paper's section 4.1 question, at each size a sweep tries).
type SameSize struct {
	Codes string             `json:"codes"` // the representation: "autoencoder", "vae-16"
	Dim   int                `json:"values_per_image"`
	Test  results.PairedTest `json:"test"` // A: the codes, B: PCA
}

// sameSizeTests finds, in a run's comparison, every learned
// representation that has a PCA of the same size beside it and the test
// between them.
func sameSizeTests(cmp *results.Comparison) []SameSize {
	var out []SameSize
	for _, k := range cmp.KNN {
		if k.Kind != results.Autoencoder && k.Kind != results.VAE {
			continue
		}
		if cmp.Find(results.PCARep(k.Dim)) == nil {
			continue
		}
		if t, ok := cmp.Test(k.Name(), results.PCARep(k.Dim).Name()); ok {
			out = append(out, SameSize{Codes: k.Name(), Dim: k.Dim, Test: t})
		}
	}
	return out
}

const (
	sameSizeTitle = "Codes against PCA of the same size"
	sameSizeNote  = "Each run's learned codes against PCA with as many components, by kNN on the same test queries (McNemar's exact test from the run's own comparison; a verdict at p < 0.05)."
)

// sameSizeVerdict words a test at p < 0.05.
func sameSizeVerdict(s SameSize) string {
	switch {
	case !s.Test.Significant():
		return "not distinguishable"
	case s.Test.AccA > s.Test.AccB:
		return "codes better"
	}
	return "PCA better"
}

// sameSizeTable is a row per finished run's test: the run, the size, both
// accuracies, the queries only one classified right, p and the verdict.
func (r *SweepReport) sameSizeTable() (head []string, rows [][]string) {
	head = []string{"run", "codes", "values per image", "codes' kNN accuracy", "PCA's", "right by the codes only", "by PCA only", "McNemar p", "verdict"}
	for _, run := range r.Runs {
		for _, s := range run.SameSize {
			rows = append(rows, []string{run.Name, s.Codes, fmt.Sprint(s.Dim), pctText(s.Test.AccA), pctText(s.Test.AccB),
				fmt.Sprint(s.Test.OnlyA), fmt.Sprint(s.Test.OnlyB), formatP(s.Test.P), sameSizeVerdict(s)})
		}
	}
	return head, rows
}

// sameSizeConclusions is a sentence per test.
func (r *SweepReport) sameSizeConclusions() []string {
	var out []string
	for _, run := range r.Runs {
		for _, s := range run.SameSize {
			t := s.Test
			what := fmt.Sprintf("%s: %s's %d values against PCA with %d components, %s against %s by kNN (%d test queries right by the codes only, %d by PCA only, McNemar p %s)",
				run.Name, s.Codes, s.Dim, s.Dim, pctText(t.AccA), pctText(t.AccB), t.OnlyA, t.OnlyB, formatP(t.P))
			switch sameSizeVerdict(s) {
			case "codes better":
				what += ": the codes are better"
			case "PCA better":
				what += ": PCA is better"
			default:
				what += ": not distinguishable"
			}
			out = append(out, what)
		}
	}
	return out
}

// sameSizeSummary is the summary's line: at which runs the codes or PCA
// were better, and where the two were not distinguishable.
func (r *SweepReport) sameSizeSummary() (string, bool) {
	by := map[string][]string{}
	any := false
	for _, run := range r.Runs {
		for _, s := range run.SameSize {
			v := sameSizeVerdict(s)
			by[v] = append(by[v], fmt.Sprintf("%s (%d values)", run.Name, s.Dim))
			any = true
		}
	}
	var parts []string
	for _, v := range []string{"codes better", "PCA better", "not distinguishable"} {
		if len(by[v]) > 0 {
			parts = append(parts, v+" at "+strings.Join(by[v], ", "))
		}
	}
	return strings.Join(parts, "; ") + " (McNemar, p < 0.05)", any
}

// pctText is a fraction as a percentage with two decimals.
func pctText(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }
