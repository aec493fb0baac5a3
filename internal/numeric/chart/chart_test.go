package chart

import (
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// lab converts sRGB to CIELAB (D65), the space where euclidean distance
// (CIE76 ΔE) approximates how different two colours look.
func lab(c color.RGBA) [3]float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	r, g, b := lin(c.R), lin(c.G), lin(c.B)
	x := (0.4124*r + 0.3576*g + 0.1805*b) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*b
	z := (0.0193*r + 0.1192*g + 0.9505*b) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

func deltaE(a, b color.RGBA) float64 {
	la, lb := lab(a), lab(b)
	return math.Sqrt((la[0]-lb[0])*(la[0]-lb[0]) + (la[1]-lb[1])*(la[1]-lb[1]) + (la[2]-lb[2])*(la[2]-lb[2]))
}

// simulate renders a colour as a dichromat sees it (Machado, Oliveira and
// Fernandes 2009, severity 1.0; matrices on linear RGB).
func simulate(c color.RGBA, m [3][3]float64) color.RGBA {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	gam := func(x float64) uint8 {
		x = math.Min(1, math.Max(0, x))
		if x <= 0.0031308 {
			x *= 12.92
		} else {
			x = 1.055*math.Pow(x, 1/2.4) - 0.055
		}
		return uint8(math.Round(255 * x))
	}
	in := [3]float64{lin(c.R), lin(c.G), lin(c.B)}
	var out [3]float64
	for i := range 3 {
		for j := range 3 {
			out[i] += m[i][j] * in[j]
		}
	}
	return color.RGBA{gam(out[0]), gam(out[1]), gam(out[2]), 255}
}

var (
	tritan = [3][3]float64{{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}}
	protan = [3][3]float64{{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}}
	deutan = [3][3]float64{{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}}
)

// TestPaletteKeepsClassesApart: every pair of palette colours is at least
// ΔE 20 apart for normal vision and ΔE 10 for protan, deutan and tritan
// vision (simulated at full severity); the shapes add a second cue, and no
// two of the first hundred classes share both colour and shape.
func TestPaletteKeepsClassesApart(t *testing.T) {
	if len(Palette) != 10 || len(Shapes) != 10 {
		t.Fatalf("%d colours, %d shapes; want 10 of each", len(Palette), len(Shapes))
	}
	minNormal := math.Inf(1)
	for i := range Palette {
		for j := i + 1; j < len(Palette); j++ {
			minNormal = math.Min(minNormal, deltaE(Palette[i], Palette[j]))
			for name, m := range map[string][3][3]float64{"protan": protan, "deutan": deutan, "tritan": tritan} {
				if d := deltaE(simulate(Palette[i], m), simulate(Palette[j], m)); d < 10 {
					t.Errorf("%s vision: colours %d and %d are only ΔE %.1f apart", name, i, j, d)
				}
			}
		}
	}
	if minNormal < 20 {
		t.Errorf("two palette colours are only ΔE %.1f apart", minNormal)
	}
	seen := map[[2]int]bool{}
	for i := range 100 {
		k := [2]int{i % 10, shapeIndex(Shape(i))}
		if seen[k] {
			t.Fatalf("class %d repeats an earlier class's colour and shape", i)
		}
		seen[k] = true
	}
}

func shapeIndex(g draw.GlyphDrawer) int {
	for i, s := range Shapes {
		if reflect.DeepEqual(s, g) {
			return i
		}
	}
	return -1
}

// TestSaveAndConfusion: a plot with a legend and a confusion heatmap
// decode as PNGs of the asked size that are not blank.
func TestSaveAndConfusion(t *testing.T) {
	dir := t.TempDir()
	p := New("title", "x", "y")
	l := Legend()
	for i := range 3 {
		s, err := plotter.NewScatter(plotter.XYs{{X: float64(i), Y: float64(i)}})
		if err != nil {
			t.Fatal(err)
		}
		s.GlyphStyle.Color, s.GlyphStyle.Shape = Color(i), Shape(i)
		p.Add(s)
		l.Add("series", s)
	}
	a := filepath.Join(dir, "a.png")
	if err := Save(a, p, l, 6*vg.Inch, 4*vg.Inch); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "b.png")
	if err := Confusion(b, "confusion", [][]int{{8, 2}, {1, 9}}, []string{"zero", "one"}, 4*vg.Inch); err != nil {
		t.Fatal(err)
	}
	for path, size := range map[string][2]int{a: {576, 384}, b: {384, 384}} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bd := img.Bounds(); bd.Dx() != size[0] || bd.Dy() != size[1] {
			t.Errorf("%s is %dx%d, want %v", path, bd.Dx(), bd.Dy(), size)
		}
		colours := map[color.Color]bool{}
		for y := 0; y < img.Bounds().Dy(); y += 3 {
			for x := 0; x < img.Bounds().Dx(); x += 3 {
				colours[img.At(x, y)] = true
			}
		}
		if len(colours) < 5 {
			t.Errorf("%s has %d colours: blank?", path, len(colours))
		}
	}
}
