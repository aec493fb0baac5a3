package compare

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// reportTemplate is report.html's page: html/template escapes every text
// it prints (class names, paths, configuration values) for where it
// stands.
//
//go:embed report.tmpl.html
var reportTemplate string

var pageTemplate = template.Must(template.New("report").Parse(reportTemplate))

// htmlPage and the types below are the page as the template reads it.
type htmlPage struct {
	Title    string
	Sections []htmlSection
}

type htmlSection struct {
	Title   string
	Summary bool // the opening section, in a box
	Blocks  []htmlBlock
}

// htmlBlock is one of a paragraph, a table, a figure or a gallery.
type htmlBlock struct {
	Para    string
	Bullets []string
	Table   *htmlTable
	Figure  *htmlFigure
	Gallery []htmlFigure
}

type htmlTable struct {
	Head []string
	Rows [][]htmlCell
}

// htmlCell is a table cell; Left for words, which read from the left
// (figures line up on the right).
type htmlCell struct {
	Text string
	Left bool
}

type htmlFigure struct {
	Alt, Caption string
	Src          template.URL // a data URI this package built from the PNG's bytes
}

// renderHTML embeds every figure; missing image files are an error, so a
// report never points at nothing. The first section (the summary) sits in
// a box at the top.
func renderHTML(title, dir string, secs []section) (string, error) {
	page := htmlPage{Title: title}
	for i, s := range secs {
		hs := htmlSection{Title: s.title, Summary: i == 0}
		for _, bl := range s.blocks {
			hb, ok, err := htmlBlockOf(dir, bl)
			if err != nil {
				return "", err
			}
			if ok {
				hs.Blocks = append(hs.Blocks, hb)
			}
		}
		page.Sections = append(page.Sections, hs)
	}
	var b strings.Builder
	if err := pageTemplate.Execute(&b, page); err != nil {
		return "", fmt.Errorf("report.html: %w", err)
	}
	return b.String(), nil
}

// htmlBlockOf is a block as the template shows it; ok is false for a
// block only the Markdown shows.
func htmlBlockOf(dir string, bl block) (htmlBlock, bool, error) {
	switch v := bl.(type) {
	case para:
		return htmlBlock{Para: string(v)}, true, nil
	case bullets:
		return htmlBlock{Bullets: v}, len(v) > 0, nil
	case table:
		t := &htmlTable{Head: v.head}
		for _, r := range v.rows {
			row := make([]htmlCell, len(r))
			for i, c := range r {
				first, _ := utf8.DecodeRuneInString(c)
				row[i] = htmlCell{Text: c, Left: unicode.IsLetter(first)}
			}
			t.Rows = append(t.Rows, row)
		}
		return htmlBlock{Table: t}, true, nil
	case figure:
		f, err := htmlFigureOf(dir, v)
		return htmlBlock{Figure: &f}, err == nil, err
	case gallery:
		g := make([]htmlFigure, len(v))
		for i, f := range v {
			var err error
			if g[i], err = htmlFigureOf(dir, f); err != nil {
				return htmlBlock{}, false, err
			}
		}
		return htmlBlock{Gallery: g}, len(g) > 0, nil
	case htmlOnly:
		return htmlBlockOf(dir, v.block)
	}
	return htmlBlock{}, false, nil // markdownOnly
}

// htmlFigureOf reads a figure's PNG into a data URI.
func htmlFigureOf(dir string, f figure) (htmlFigure, error) {
	raw, err := os.ReadFile(filepath.Join(dir, f.path))
	if err != nil {
		return htmlFigure{}, fmt.Errorf("report figure: %w", err)
	}
	src := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(raw))
	return htmlFigure{Alt: f.alt, Caption: f.caption, Src: src}, nil
}
