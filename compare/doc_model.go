package compare

import (
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
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
func (table) isBlock()        {}
func (figure) isBlock()       {}
func (gallery) isBlock()      {}
func (htmlOnly) isBlock()     {}
func (markdownOnly) isBlock() {}

func renderMarkdown(title string, secs []section) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", title)
	for _, s := range secs {
		fmt.Fprintf(&b, "\n## %s\n", s.title)
		for _, bl := range s.blocks {
			markdownBlock(&b, bl)
		}
	}
	return b.String()
}

func markdownBlock(b *strings.Builder, bl block) {
	switch v := bl.(type) {
	case para:
		b.WriteString("\n" + string(v) + "\n")
	case table:
		b.WriteString("\n| " + strings.Join(v.head, " | ") + " |\n|")
		for range v.head {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, r := range v.rows {
			b.WriteString("| " + strings.Join(r, " | ") + " |\n")
		}
	case figure:
		fmt.Fprintf(b, "\n![%s](%s)\n", v.alt, filepath.ToSlash(v.path))
		fmt.Fprintf(b, "\n*%s*\n", v.caption)
	case markdownOnly:
		markdownBlock(b, v.block)
	case gallery, htmlOnly:
		// the HTML's; the Markdown keeps the tables
	}
}

// renderHTML embeds every figure; missing image files are an error, so a
// report never points at nothing. The first section (the summary) sits in
// a box at the top.
func renderHTML(title, dir string, secs []section) (string, error) {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5;font-size:16px}
h1{font-size:1.7rem}h2{font-size:1.3rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}td,th{border:1px solid #ccc;padding:.25rem .55rem;text-align:right}
td:first-child,th:first-child,td.t{text-align:left}th{background:#f3f3f3}
figure{margin:1.2rem 0}img{max-width:100%%;height:auto}figcaption{color:#555;font-size:.9rem;margin-top:.2rem}
.summary{background:#f5f8fb;border:1px solid #cfdbe6;border-radius:6px;padding:.2rem 1.2rem 1rem;margin:1rem 0 2rem}
.summary h2{border:none;margin-top:.8rem}
.gallery{display:flex;flex-wrap:wrap;gap:.8rem}.gallery figure{flex:1 1 30%%;min-width:18rem;margin:.3rem 0}
</style></head>
<body>
<h1>%s</h1>
`, e(title), e(title))
	for i, s := range secs {
		if i == 0 {
			b.WriteString(`<section class="summary">` + "\n")
		}
		fmt.Fprintf(&b, "<h2>%s</h2>\n", e(s.title))
		for _, bl := range s.blocks {
			if err := htmlBlock(&b, dir, bl); err != nil {
				return "", err
			}
		}
		if i == 0 {
			b.WriteString("</section>\n")
		}
	}
	// Marks the body once every image has decoded, for the browser test.
	b.WriteString(`<script>
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; }
  document.body.setAttribute("data-images", ok + "/" + imgs.length);
});
</script>
</body></html>
`)
	return b.String(), nil
}

func htmlBlock(b *strings.Builder, dir string, bl block) error {
	e := html.EscapeString
	switch v := bl.(type) {
	case para:
		fmt.Fprintf(b, "<p>%s</p>\n", e(string(v)))
	case table:
		b.WriteString("<table><tr>")
		for _, h := range v.head {
			fmt.Fprintf(b, "<th>%s</th>", e(h))
		}
		b.WriteString("</tr>\n")
		for _, r := range v.rows {
			b.WriteString("<tr>")
			for _, c := range r {
				if r, _ := utf8.DecodeRuneInString(c); unicode.IsLetter(r) { // words read from the left, figures from the right
					fmt.Fprintf(b, `<td class="t">%s</td>`, e(c))
					continue
				}
				fmt.Fprintf(b, "<td>%s</td>", e(c))
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</table>\n")
	case figure:
		raw, err := os.ReadFile(filepath.Join(dir, v.path))
		if err != nil {
			return fmt.Errorf("report figure: %w", err)
		}
		fmt.Fprintf(b, "<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\"><figcaption>%s</figcaption></figure>\n",
			e(v.alt), base64.StdEncoding.EncodeToString(raw), e(v.caption))
	case gallery:
		b.WriteString(`<div class="gallery">` + "\n")
		for _, f := range v {
			if err := htmlBlock(b, dir, f); err != nil {
				return err
			}
		}
		b.WriteString("</div>\n")
	case htmlOnly:
		return htmlBlock(b, dir, v.block)
	case markdownOnly:
	}
	return nil
}
