package pipeline

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
)

// SweepHTML is the sweep report's page, in the sweep's folder beside its
// plots (sweep_KEY_KIND.png).
const SweepHTML = "sweep.html"

// sweepTemplateText is sweep.html's page: html/template escapes every
// text it prints (values, folder names, errors) for where it stands.
//
//go:embed sweep.tmpl.html
var sweepTemplateText string

var sweepTemplate = template.Must(template.New("sweep").Parse(sweepTemplateText))

// sweepPage is the page as the template reads it.
type sweepPage struct {
	Title           string
	Summary         [][2]string
	Unfinished      string
	Tables          []sweepHTMLTable
	Plots           []sweepHTMLPlot
	ConclusionsNote string
	Conclusions     []string
	Runs            sweepHTMLTable
}

type sweepHTMLTable struct {
	Title, Note string
	Head        []string
	Rows        [][]string
}

type sweepHTMLPlot struct {
	sweepPlot
	Heading string       // the swept key, before its first plot
	Src     template.URL // a data URI built here from the PNG's bytes
}

// WriteHTML draws the plots into dir and writes sweep.html there, every
// plot embedded (and linked to its file beside the page).
func (r *SweepReport) WriteHTML(dir string) error {
	plots, err := r.writePlots(dir)
	if err != nil {
		return fmt.Errorf("sweep plots: %w", err)
	}
	page := sweepPage{Title: "hourglass sweep: " + r.Name, Summary: r.summaryRows(), ConclusionsNote: conclusionsNote, Conclusions: r.Conclusions}
	if n := r.unfinished(); n > 0 {
		page.Unfinished = fmt.Sprintf("%s no results; the tables and plots hold the runs that finished (see Runs below).", runsHave(n))
	}
	for _, g := range figureGroups {
		if figs := r.groupFigures(g.prefix); len(figs) > 0 {
			head, rows := r.variantTable(figs)
			page.Tables = append(page.Tables, sweepHTMLTable{Title: g.title, Note: tableNote, Head: head, Rows: rows})
		}
	}
	if head, rows := r.sameSizeTable(); len(rows) > 0 {
		page.Tables = append(page.Tables, sweepHTMLTable{Title: sameSizeTitle, Note: sameSizeNote, Head: head, Rows: rows})
	}
	key := ""
	for _, p := range plots {
		raw, err := os.ReadFile(filepath.Join(dir, p.File))
		if err != nil {
			return fmt.Errorf("sweep plot: %w", err)
		}
		hp := sweepHTMLPlot{sweepPlot: p, Src: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(raw))}
		if p.Key != key {
			hp.Heading, key = p.Key, p.Key
		}
		page.Plots = append(page.Plots, hp)
	}
	head, rows := r.runsTable()
	page.Runs = sweepHTMLTable{Head: head, Rows: rows}
	var b strings.Builder
	if err := sweepTemplate.Execute(&b, page); err != nil {
		return fmt.Errorf("%s: %w", SweepHTML, err)
	}
	return atomicfile.WriteBytes(filepath.Join(dir, SweepHTML), []byte(b.String()))
}
