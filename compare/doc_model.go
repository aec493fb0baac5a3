package compare

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// A report is built once as sections of blocks, then rendered twice: to
// Markdown (images by relative path) and to self-contained HTML (images
// embedded as data URIs).
type section struct {
	title  string
	blocks []block
}

type block interface{ isBlock() }

type para string

// bullets is a list of short items.
type bullets []string
type table struct {
	head []string
	rows [][]string
}
type figure struct {
	path    string // relative to the output folder
	caption string
	alt     string // what the image shows, for readers who cannot see it
}

// gallery is figures side by side (HTML; Markdown lists them).
type gallery []figure

// htmlOnly and markdownOnly hold a block only one rendering shows (the
// HTML shows heatmaps where the Markdown keeps tables).
type htmlOnly struct{ block }
type markdownOnly struct{ block }

func (para) isBlock()         {}
func (bullets) isBlock()      {}
func (table) isBlock()        {}
func (figure) isBlock()       {}
func (gallery) isBlock()      {}
func (htmlOnly) isBlock()     {}
func (markdownOnly) isBlock() {}

func renderMarkdown(title string, secs []section) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", mdText(title))
	for _, s := range secs {
		fmt.Fprintf(&b, "\n## %s\n", mdText(s.title))
		for _, bl := range s.blocks {
			markdownBlock(&b, bl)
		}
	}
	return b.String()
}

func markdownBlock(b *strings.Builder, bl block) {
	switch v := bl.(type) {
	case para:
		b.WriteString("\n" + mdText(string(v)) + "\n")
	case bullets:
		b.WriteString("\n")
		for _, item := range v {
			b.WriteString("- " + mdText(item) + "\n")
		}
	case table:
		b.WriteString("\n" + mdRow(v.head) + "|")
		for range v.head {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, r := range v.rows {
			b.WriteString(mdRow(r))
		}
	case figure:
		fmt.Fprintf(b, "\n![%s](%s)\n", mdAlt.Replace(mdText(v.alt)), mdPath(v.path))
		fmt.Fprintf(b, "\n*%s*\n", mdEmphasis.Replace(mdText(v.caption)))
	case markdownOnly:
		markdownBlock(b, v.block)
	case gallery, htmlOnly:
		// the HTML's; the Markdown keeps the tables
	}
}

// mdRow is a table row, every cell escaped by mdCell.
func mdRow(cells []string) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = mdCell(c)
	}
	return "| " + strings.Join(out, " | ") + " |\n"
}

// mdCell escapes text for a Markdown table cell: what Markdown would read
// as HTML as mdText does, then a backslash or a pipe with a backslash (a
// bare pipe would split the cell) and a line break as <br> (a bare one
// would end the row).
func mdCell(s string) string { return mdCellEscaper.Replace(mdText(s)) }

var mdCellEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "\r\n", "<br>", "\n", "<br>", "\r", "<br>")

// mdAlt escapes an image's alt text, which brackets enclose; mdEmphasis a
// caption, which asterisks enclose.
var (
	mdAlt      = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`)
	mdEmphasis = strings.NewReplacer(`\`, `\\`, "*", `\*`)
)

// mdText escapes what Markdown would read as HTML: "<" before a letter,
// "/", "!" or "?" (a tag, a comment, an autolink) becomes "&lt;", every ">"
// "&gt;", and "&" before a letter or "#" (an entity) "&amp;". A "<" before
// a space or a figure ("p < 0.05") stays as it is.
func mdText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c, next := s[i], byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		letter := 'a' <= next|0x20 && next|0x20 <= 'z'
		switch {
		case c == '<' && (letter || next == '/' || next == '!' || next == '?'):
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&' && (letter || next == '#'):
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mdPath is a figure's path as a link target: forward slashes, each part
// percent-escaped (a space or a parenthesis would end the link).
func mdPath(p string) string {
	parts := strings.Split(filepath.ToSlash(p), "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
