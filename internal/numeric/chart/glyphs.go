package chart

import (
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// polygon is a filled marker through points on the unit circle's scale:
// (x, y) pairs multiplied by the glyph's radius times size.
type polygon struct {
	size float64
	pts  [][2]float64
}

func (g polygon) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetColor(sty.Color)
	r := float64(sty.Radius) * g.size
	var p vg.Path
	for i, q := range g.pts {
		v := vg.Point{X: pt.X + vg.Length(q[0]*r), Y: pt.Y + vg.Length(q[1]*r)}
		if i == 0 {
			p.Move(v)
		} else {
			p.Line(v)
		}
	}
	p.Close()
	c.Fill(p)
}

// regular is a regular polygon with k corners, the first at angle a0.
func regular(k int, a0, size float64) polygon {
	g := polygon{size: size}
	for i := range k {
		a := a0 + 2*math.Pi*float64(i)/float64(k)
		g.pts = append(g.pts, [2]float64{math.Cos(a), math.Sin(a)})
	}
	return g
}

// star is a five-pointed star.
func star(size float64) polygon {
	g := polygon{size: size}
	for i := range 10 {
		rad := 1.0
		if i%2 == 1 {
			rad = 0.45
		}
		a := math.Pi/2 + float64(i)*math.Pi/5
		g.pts = append(g.pts, [2]float64{rad * math.Cos(a), rad * math.Sin(a)})
	}
	return g
}

// plus is a thick plus sign; rotated 45° it is a cross.
func plus(size, angle float64) polygon {
	const w = 0.33 // half the bar's width
	base := [][2]float64{{w, w}, {w, 1}, {-w, 1}, {-w, w}, {-1, w}, {-1, -w}, {-w, -w}, {-w, -1}, {w, -1}, {w, -w}, {1, -w}, {1, w}}
	g := polygon{size: size}
	s, c := math.Sin(angle), math.Cos(angle)
	for _, q := range base {
		g.pts = append(g.pts, [2]float64{c*q[0] - s*q[1], s*q[0] + c*q[1]})
	}
	return g
}

var (
	diamondGlyph  = regular(4, math.Pi/2, 1.35)
	triangleUp    = regular(3, math.Pi/2, 1.35)
	triangleDown  = regular(3, -math.Pi/2, 1.35)
	hexagonGlyph  = regular(6, 0, 1.15)
	starGlyph     = star(1.55)
	plusGlyph     = plus(1.25, 0)
	crossGlyph    = plus(1.25, math.Pi/4)
	pentagonGlyph = regular(5, math.Pi/2, 1.2)
)
