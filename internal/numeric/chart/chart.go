// Package chart gives every plot hourglass draws one look: a categorical
// palette (Okabe and Ito's eight colours for colour-vision deficiencies,
// plus brown and light grey) paired with a marker shape per class, so that
// up to ten classes stay apart for people with common colour-vision
// deficiencies; readable font sizes; light grid lines; legends outside the
// data area; files written atomically as PNG (gonum/plot underneath).
package chart

import (
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
)

// Palette is Okabe-Ito's blue, orange, bluish green, vermillion, sky
// blue, reddish purple, yellow and black, then brown and light grey: every
// pair at least ΔE 26 apart for normal vision and 14 for protan, deutan
// and tritan vision (TestPaletteKeepsClassesApart).
var Palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, {0xE6, 0x9F, 0x00, 0xFF}, {0x00, 0x9E, 0x73, 0xFF}, {0xD5, 0x5E, 0x00, 0xFF}, {0x56, 0xB4, 0xE9, 0xFF},
	{0xCC, 0x79, 0xA7, 0xFF}, {0xF0, 0xE4, 0x42, 0xFF}, {0x00, 0x00, 0x00, 0xFF}, {0x8C, 0x56, 0x4B, 0xFF}, {0xBB, 0xBB, 0xBB, 0xFF},
}

// Shapes are ten filled marker shapes, one per palette colour: a second
// cue where colours are hard to tell apart, or printed in grey.
var Shapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, triangleUp, diamondGlyph, triangleDown,
	plusGlyph, starGlyph, crossGlyph, hexagonGlyph, pentagonGlyph,
}

// Color is class (or series) i's colour.
func Color(i int) color.Color { return Palette[i%len(Palette)] }

// Shape is class i's marker: the shape of its colour for the first ten,
// then shifted, so that no two of the first hundred classes share both.
func Shape(i int) draw.GlyphDrawer { return Shapes[(i+i/len(Palette))%len(Shapes)] }

// Ink is the colour of text and axes; Grid of grid lines.
var (
	Ink  = color.RGBA{0x33, 0x33, 0x33, 0xFF}
	Grid = color.RGBA{0xE3, 0xE3, 0xE3, 0xFF}
)

// New is a plot with the common look: title 14 pt, axis labels 12 pt,
// tick labels 10 pt, light grid lines behind the data.
func New(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 14
	p.Title.TextStyle.Color = Ink
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = 12
		a.Label.TextStyle.Color = Ink
		a.Tick.Label.Font.Size = 10
		a.Tick.Label.Color = Ink
		a.Color, a.Tick.Color = Ink, Ink
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = Grid, Grid
	p.Add(g)
	return p
}

// LegendBox is a legend in the common style that Save draws outside the
// data area.
type LegendBox struct {
	plot.Legend
	n int
}

// Legend is an empty LegendBox.
func Legend() *LegendBox {
	l := &LegendBox{Legend: plot.NewLegend()}
	l.TextStyle.Font = font.From(plot.DefaultFont, 11)
	l.TextStyle.Color = Ink
	l.Top, l.Left = true, true
	l.Padding = vg.Points(2)
	return l
}

// Add adds an entry.
func (l *LegendBox) Add(name string, thumbs ...plot.Thumbnailer) {
	l.Legend.Add(name, thumbs...)
	l.n++
}

// DPI of the PNG files: 6 x 4 inches is 576 x 384 pixels.
const DPI = 96

// Save renders p at w x h into path as PNG, through a temporary file. A
// non-empty legend goes in a column on the right, outside the axes.
func Save(path string, p *plot.Plot, l *LegendBox, w, h vg.Length) error {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	area := dc
	if l != nil && l.n > 0 {
		width := l.Rectangle(dc).Max.X - l.Rectangle(dc).Min.X
		gap := vg.Points(10)
		area = draw.Crop(dc, 0, -(width + 2*gap), 0, 0)
		legend := draw.Crop(dc, w-width-gap, -gap, 0, -vg.Points(28)) // below the title's height
		l.Draw(legend)
	}
	p.Draw(area)
	return atomicfile.Write(path, func(wr io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(wr)
		return err
	})
}

// AddLine draws series i as a line with its marker at every point, in the
// i-th colour and shape, and names it in the legend.
func AddLine(p *plot.Plot, l *LegendBox, i int, name string, xy plotter.XYs, radius vg.Length) error {
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	line.Color, line.Width = Color(i), vg.Points(1.5)
	points.Color, points.Shape, points.Radius = Color(i), Shape(i), radius
	p.Add(line, points)
	l.Add(name, line, points)
	return nil
}
