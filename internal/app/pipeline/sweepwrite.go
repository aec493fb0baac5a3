package pipeline

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
)

// Write writes sweep.md, sweep.json, sweep.csv and sweep.html with its
// plots into dir, each atomically.
func (r *SweepReport) Write(dir string) error {
	if err := r.WriteHTML(dir); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	c, err := r.CSV()
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{SweepJSON: j, SweepCSV: c, SweepMarkdown: []byte(r.Markdown())} {
		if err := atomicfile.WriteBytes(filepath.Join(dir, name), b); err != nil {
			return err
		}
	}
	return nil
}

// CSV is sweep.csv: one row per run, a column per swept key and per
// figure, empty where a run has no value.
func (r *SweepReport) CSV() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"run", "folder", "status"}
	for _, a := range r.Axes {
		if a.Key != "seed" {
			head = append(head, a.Key)
		}
	}
	head = append(head, "seed")
	head = append(head, r.Figures...)
	head = append(head, "reused", "error")
	if err := w.Write(head); err != nil {
		return nil, err
	}
	for _, run := range r.Runs {
		row := []string{strconv.Itoa(run.Index), run.Name, run.Status}
		for i, a := range r.Axes {
			if a.Key != "seed" {
				row = append(row, run.Values[i])
			}
		}
		row = append(row, strconv.FormatInt(run.Seed, 10))
		for _, f := range r.Figures {
			if x, ok := run.Figures[f]; ok {
				row = append(row, strconv.FormatFloat(x, 'g', -1, 64))
			} else {
				row = append(row, "")
			}
		}
		row = append(row, reusedText(run.Reused), run.Error)
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func reusedText(m map[string]string) string {
	var parts []string
	for _, s := range Names() {
		if from, ok := m[s]; ok {
			parts = append(parts, s+" from "+from)
		}
	}
	return strings.Join(parts, "; ")
}

// Markdown is sweep.md: a summary, the variants' tables per kind of
// figure, the conclusions and the runs.
func (r *SweepReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Sweep %s\n\n", r.Name)
	b.WriteString("| | |\n|---|---|\n")
	for _, row := range r.summaryRows() {
		fmt.Fprintf(&b, "| %s | %s |\n", row[0], oneLine(row[1]))
	}
	b.WriteString("\n")
	if n := r.unfinished(); n > 0 {
		fmt.Fprintf(&b, "%s no results; the tables hold the runs that finished (see Runs below).\n\n", runsHave(n))
	}
	for _, g := range figureGroups {
		if figs := r.groupFigures(g.prefix); len(figs) > 0 {
			head, rows := r.variantTable(figs)
			fmt.Fprintf(&b, "## %s\n\n%s\n\n", g.title, tableNote)
			writeMarkdownTable(&b, head, rows)
			b.WriteString("\n")
		}
	}
	if head, rows := r.sameSizeTable(); len(rows) > 0 {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", sameSizeTitle, sameSizeNote)
		writeMarkdownTable(&b, head, rows)
		b.WriteString("\n")
	}
	if len(r.Conclusions) > 0 {
		fmt.Fprintf(&b, "## Conclusions\n\n%s\n\n", conclusionsNote)
		for _, c := range r.Conclusions {
			fmt.Fprintf(&b, "- %s\n", c)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Runs\n\n")
	head, rows := r.runsTable()
	for _, row := range rows {
		row[1] = "`" + row[1] + "`" // the folder
	}
	writeMarkdownTable(&b, head, rows)
	return b.String()
}

// Texts the Markdown and HTML reports share.
const (
	tableNote       = "Mean over the variant's finished runs, with the 95% Student-t interval over seeds where there are two or more."
	conclusionsNote = "The best variant of each figure by its mean, against the runner-up, paired by seed (95% Student-t interval of the differences); with one seed, McNemar's exact test on the same test queries for kNN accuracy and the interval over finetune's paired seeds for transfer accuracy."
)

// figureGroups are the kinds of figure, each a table (and a plot per
// swept key but for the times), in report order.
var figureGroups = []struct{ name, title, prefix, yLabel string }{
	{"mse", "Test reconstruction MSE", FigureTestMSE, "test reconstruction MSE"},
	{"knn", "kNN accuracy", "knn:", "kNN test accuracy (%)"},
	{"transfer", "Transfer accuracy (mean over finetune's seeds)", "transfer:", "transfer test accuracy (%)"},
	{"seconds", "Seconds per stage", "seconds:", "seconds"},
}

// groupFigures are the report's figures with the prefix, in order.
func (r *SweepReport) groupFigures(prefix string) []string {
	return slices.DeleteFunc(slices.Clone(r.Figures), func(f string) bool { return !strings.HasPrefix(f, prefix) })
}

// statusCounts counts the runs by status.
func (r *SweepReport) statusCounts() map[string]int {
	count := map[string]int{}
	for _, run := range r.Runs {
		count[run.Status]++
	}
	return count
}

// plural is "1 seed", "3 seeds".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// runsHave is "1 run has", "2 runs have".
func runsHave(n int) string {
	if n == 1 {
		return "1 run has"
	}
	return fmt.Sprintf("%d runs have", n)
}

// unfinished counts the runs that failed or have not finished.
func (r *SweepReport) unfinished() int {
	c := r.statusCounts()
	return c[StatusFailed] + c[StatusMissing]
}

// summaryRows are the one-screen summary: what was swept, the runs, the
// time the stages took and the best variant of every figure.
func (r *SweepReport) summaryRows() [][2]string {
	count := r.statusCounts()
	var swept []string
	for _, a := range r.Axes {
		swept = append(swept, fmt.Sprintf("%s: %s", a.Key, strings.Join(a.Values, ", ")))
	}
	if len(swept) == 0 {
		swept = append(swept, "nothing but the seed")
	}
	rows := [][2]string{
		{"swept", strings.Join(swept, "; ")},
		{"runs", fmt.Sprintf("%d (%d variants x %s): %d done, %d failed, %d missing",
			len(r.Runs), len(r.Variants), plural(r.Seeds, "seed"), count[StatusDone], count[StatusFailed], count[StatusMissing])},
		{"stages", fmt.Sprintf("%d computed in %.0f s, %d reused from another run", r.Computed, r.ComputeSeconds, r.Reused)},
	}
	for _, best := range r.Best {
		if strings.HasPrefix(best.Figure, "seconds:") {
			continue
		}
		text := fmt.Sprintf("%s (%s)", best.Variant, formatFigure(best.Figure, best.Mean))
		switch best.Verdict {
		case VerdictSame:
			text = fmt.Sprintf("%s in every variant: no best", formatFigure(best.Figure, best.Mean))
		case VerdictOnly:
			text += ", " + best.Verdict
		case VerdictTooFew:
			text += fmt.Sprintf(", against %s: %s", best.RunnerUp, best.Verdict)
		default:
			text += fmt.Sprintf(", %s from %s", best.Verdict, best.RunnerUp)
		}
		rows = append(rows, [2]string{"best " + best.Figure, text})
	}
	if text, ok := r.sameSizeSummary(); ok {
		rows = append(rows, [2]string{"codes against PCA, same size", text})
	}
	return rows
}

// variantTable is one table: a row per variant, its swept values, its
// finished runs and each figure's mean with its 95% interval.
func (r *SweepReport) variantTable(figs []string) (head []string, rows [][]string) {
	var keys []int
	for i, a := range r.Axes {
		if a.Key != "seed" {
			keys = append(keys, i)
			head = append(head, a.Key)
		}
	}
	head = append(head, "runs")
	for _, f := range figs {
		_, name, ok := strings.Cut(f, ":")
		if !ok {
			name = f
		}
		head = append(head, name)
	}
	for _, v := range r.Variants {
		var row []string
		for _, i := range keys {
			row = append(row, v.Values[i])
		}
		row = append(row, fmt.Sprintf("%d of %d", v.Finished, len(v.Runs)))
		for _, f := range figs {
			s, ok := v.Figures[f]
			switch {
			case !ok:
				row = append(row, "")
			case s.Low == nil:
				row = append(row, formatFigure(f, s.Mean))
			default:
				row = append(row, fmt.Sprintf("%s [%s, %s]", formatFigure(f, s.Mean), formatFigure(f, *s.Low), formatFigure(f, *s.High)))
			}
		}
		rows = append(rows, row)
	}
	return head, rows
}

// runsTable is a row per run: its folder, status, reused stages and error.
func (r *SweepReport) runsTable() (head []string, rows [][]string) {
	head = []string{"run", "folder", "status", "reused", "error"}
	for _, run := range r.Runs {
		rows = append(rows, []string{strconv.Itoa(run.Index), run.Name, run.Status, reusedText(run.Reused), run.Error})
	}
	return head, rows
}

// writeMarkdownTable writes a table, each cell on one line.
func writeMarkdownTable(b *strings.Builder, head []string, rows [][]string) {
	b.WriteString("|")
	for _, h := range head {
		fmt.Fprintf(b, " %s |", oneLine(h))
	}
	b.WriteString("\n|" + strings.Repeat("---|", len(head)) + "\n")
	for _, row := range rows {
		b.WriteString("|")
		for _, c := range row {
			fmt.Fprintf(b, " %s |", oneLine(c))
		}
		b.WriteString("\n")
	}
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "|", `\|`)
}
