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

// Write writes sweep.md, sweep.json and sweep.csv into dir, each
// atomically.
func (r *SweepReport) Write(dir string) error {
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
	count := map[string]int{}
	for _, run := range r.Runs {
		count[run.Status]++
	}
	var swept []string
	for _, a := range r.Axes {
		swept = append(swept, fmt.Sprintf("`%s`: %s", a.Key, strings.Join(a.Values, ", ")))
	}
	if len(swept) == 0 {
		swept = append(swept, "nothing but the seed")
	}
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| swept | %s |\n", strings.Join(swept, "; "))
	fmt.Fprintf(&b, "| runs | %d (%d variants x %d seeds): %d done, %d failed, %d missing |\n",
		len(r.Runs), len(r.Variants), r.Seeds, count[StatusDone], count[StatusFailed], count[StatusMissing])
	fmt.Fprintf(&b, "| stages | %d computed in %.0f s, %d reused from another run |\n", r.Computed, r.ComputeSeconds, r.Reused)
	b.WriteString("\n")
	if n := count[StatusFailed] + count[StatusMissing]; n > 0 {
		fmt.Fprintf(&b, "%d runs have no results; the tables hold the runs that finished (see Runs below).\n\n", n)
	}
	for _, g := range []struct{ title, prefix string }{
		{"Test reconstruction MSE", FigureTestMSE},
		{"kNN accuracy", "knn:"},
		{"Transfer accuracy (mean over finetune's seeds)", "transfer:"},
		{"Seconds per stage", "seconds:"},
	} {
		figs := slices.DeleteFunc(slices.Clone(r.Figures), func(f string) bool { return !strings.HasPrefix(f, g.prefix) })
		if len(figs) > 0 {
			r.writeTable(&b, g.title, figs)
		}
	}
	if len(r.Conclusions) > 0 {
		b.WriteString("## Conclusions\n\nThe best variant of each figure by its mean, against the runner-up, paired by seed (95% Student-t interval of the differences).\n\n")
		for _, c := range r.Conclusions {
			fmt.Fprintf(&b, "- %s\n", c)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Runs\n\n| run | folder | status | reused | error |\n|---|---|---|---|---|\n")
	for _, run := range r.Runs {
		fmt.Fprintf(&b, "| %d | `%s` | %s | %s | %s |\n", run.Index, run.Name, run.Status, reusedText(run.Reused), oneLine(run.Error))
	}
	return b.String()
}

// writeTable writes one table: a row per variant, its swept values, its
// finished runs and each figure's mean with its 95% interval.
func (r *SweepReport) writeTable(b *strings.Builder, title string, figs []string) {
	fmt.Fprintf(b, "## %s\n\nMean over the variant's finished runs, with the 95%% Student-t interval over seeds where there are two or more.\n\n|", title)
	var keys []int
	for i, a := range r.Axes {
		if a.Key != "seed" {
			keys = append(keys, i)
			fmt.Fprintf(b, " `%s` |", a.Key)
		}
	}
	b.WriteString(" runs |")
	for _, f := range figs {
		_, name, ok := strings.Cut(f, ":")
		if !ok {
			name = f
		}
		fmt.Fprintf(b, " %s |", name)
	}
	b.WriteString("\n|" + strings.Repeat("---|", len(keys)+1+len(figs)) + "\n")
	for _, v := range r.Variants {
		b.WriteString("|")
		for _, i := range keys {
			fmt.Fprintf(b, " %s |", v.Values[i])
		}
		fmt.Fprintf(b, " %d of %d |", v.Finished, len(v.Runs))
		for _, f := range figs {
			s, ok := v.Figures[f]
			switch {
			case !ok:
				b.WriteString(" |")
			case s.Low == nil:
				fmt.Fprintf(b, " %s |", formatFigure(f, s.Mean))
			default:
				fmt.Fprintf(b, " %s [%s, %s] |", formatFigure(f, s.Mean), formatFigure(f, *s.Low), formatFigure(f, *s.High))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "|", `\|`)
}
