package compare

import (
	"encoding/base64"
	"fmt"
	"html"
	"os"
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
type table struct {
	head []string
	rows [][]string
}
type figure struct {
	path    string // relative to the output folder
	caption string
}

func (para) isBlock()   {}
func (table) isBlock()  {}
func (figure) isBlock() {}

func renderMarkdown(title string, secs []section) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", title)
	for _, s := range secs {
		fmt.Fprintf(&b, "\n## %s\n", s.title)
		for _, bl := range s.blocks {
			b.WriteString("\n")
			switch v := bl.(type) {
			case para:
				b.WriteString(string(v) + "\n")
			case table:
				b.WriteString("| " + strings.Join(v.head, " | ") + " |\n|")
				for range v.head {
					b.WriteString("---|")
				}
				b.WriteString("\n")
				for _, r := range v.rows {
					b.WriteString("| " + strings.Join(r, " | ") + " |\n")
				}
			case figure:
				fmt.Fprintf(&b, "![%s](%s)\n", v.caption, filepath.ToSlash(v.path))
			}
		}
	}
	return b.String()
}

// renderHTML embeds every figure; missing image files are an error, so a
// report never points at nothing.
func renderHTML(title, dir string, secs []section) (string, error) {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}
th{background:#f3f3f3}figure{margin:1rem 0}img{max-width:100%%}figcaption{color:#555;font-size:.9rem}
</style></head>
<body>
<h1>%s</h1>
`, e(title), e(title))
	for _, s := range secs {
		fmt.Fprintf(&b, "<h2>%s</h2>\n", e(s.title))
		for _, bl := range s.blocks {
			switch v := bl.(type) {
			case para:
				fmt.Fprintf(&b, "<p>%s</p>\n", e(string(v)))
			case table:
				b.WriteString("<table><tr>")
				for _, h := range v.head {
					fmt.Fprintf(&b, "<th>%s</th>", e(h))
				}
				b.WriteString("</tr>\n")
				for _, r := range v.rows {
					b.WriteString("<tr>")
					for _, c := range r {
						fmt.Fprintf(&b, "<td>%s</td>", e(c))
					}
					b.WriteString("</tr>\n")
				}
				b.WriteString("</table>\n")
			case figure:
				raw, err := os.ReadFile(filepath.Join(dir, v.path))
				if err != nil {
					return "", fmt.Errorf("report figure: %w", err)
				}
				fmt.Fprintf(&b, "<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\"><figcaption>%s</figcaption></figure>\n",
					e(v.caption), base64.StdEncoding.EncodeToString(raw), e(v.caption))
			}
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
