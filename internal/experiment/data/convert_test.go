package data

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

// catmullRom is the Catmull-Rom cubic (B = 0, C = 1/2), support 2.
func catmullRom(t float64) float64 {
	t = math.Abs(t)
	switch {
	case t < 1:
		return 1.5*t*t*t - 2.5*t*t + 1
	case t < 2:
		return -0.5*t*t*t + 2.5*t*t - 4*t + 2
	}
	return 0
}

// resample1D is the textbook resampling of one line of src to n samples:
// output sample x sits at source position (x + 0.5) s - 0.5 with s =
// len(src)/n; when shrinking, the kernel widens by s; weights of samples
// off the line are dropped and the rest renormalised.
func resample1D(src []float64, n int) []float64 {
	s := float64(len(src)) / float64(n)
	widen := math.Max(1, s)
	out := make([]float64, n)
	for x := range out {
		c := (float64(x)+0.5)*s - 0.5
		var sum, wsum float64
		for i := int(math.Floor(c - 2*widen)); i <= int(math.Ceil(c+2*widen)); i++ {
			if i < 0 || i >= len(src) {
				continue
			}
			w := catmullRom((c - float64(i)) / widen)
			sum += w * src[i]
			wsum += w
		}
		out[x] = sum / wsum
	}
	return out
}

// reference converts img the slow, independent way: float64 luma of
// 8-bit channels, separable resampling into the fitted box, black around.
func reference(img image.Image) []float64 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	lum := make([][]float64, h)
	for y := range h {
		lum[y] = make([]float64, w)
		for x := range w {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			a := float64(c.A) / 255 // over black
			lum[y][x] = a * (0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)) / 255
		}
	}
	box := fitRect(w, h)
	rows := make([][]float64, h)
	for y := range h {
		rows[y] = resample1D(lum[y], box.Dx())
	}
	out := make([]float64, Pixels)
	for x := range box.Dx() {
		col := make([]float64, h)
		for y := range h {
			col[y] = rows[y][x]
		}
		for y, v := range resample1D(col, box.Dy()) {
			out[(box.Min.Y+y)*Cols+box.Min.X+x] = math.Min(1, math.Max(0, v))
		}
	}
	return out
}

// randomImage is a seeded image of smooth colour gradients plus noise,
// with partly transparent pixels.
func randomImage(w, h int, seed int64) *image.NRGBA {
	r := NewRand(seed, 9)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(255 * float64(x) / float64(w)), G: uint8(255 * float64(y) / float64(h)),
				B: uint8(r.IntN(256)), A: uint8(128 + r.IntN(128)),
			})
		}
	}
	return img
}

func TestConvertAgainstReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		img  image.Image
		tol  float64 // the 16-bit luminance rounding and float64 order
	}{
		{"shrink 64x64 colour", randomImage(64, 64, 1), 2e-4},
		{"shrink 45x30 colour, wide", randomImage(45, 30, 2), 2e-4},
		{"grow 10x14 colour, tall", randomImage(10, 14, 3), 2e-4},
		{"28x28 colour, no resampling", randomImage(28, 28, 4), 2e-4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]float32, Pixels)
			if !Convert(tc.img, got) {
				t.Error("not reported as converted")
			}
			want := reference(tc.img)
			worst := 0.0
			for i := range got {
				worst = math.Max(worst, math.Abs(float64(got[i])-want[i]))
			}
			if worst > tc.tol {
				t.Errorf("largest difference from the reference %.2g, tolerance %.2g", worst, tc.tol)
			}
		})
	}
}

func TestConvertKeepsAspectOnBlack(t *testing.T) {
	white := image.NewGray(image.Rect(0, 0, 56, 28)) // twice as wide as high
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	got := make([]float32, Pixels)
	Convert(white, got)
	// Fitted to 28x14, centred: rows 7-20 white, the rest black.
	for y := range Rows {
		for x := range Cols {
			want := float32(0)
			if y >= 7 && y < 21 {
				want = 1
			}
			if v := got[y*Cols+x]; math.Abs(float64(v-want)) > 1e-4 {
				t.Fatalf("pixel (%d, %d) = %v, want %v", x, y, v, want)
			}
		}
	}
}

// TestConvertGrey28IsExact: 8-bit grey 28x28 images take the IDX reader's
// values bit for bit (v / 255 in float32).
func TestConvertGrey28IsExact(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, Cols, Rows))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	got := make([]float32, Pixels)
	if Convert(g, got) {
		t.Error("a 28x28 grey image was reported as converted")
	}
	for i, p := range g.Pix {
		if got[i] != float32(p)/255 {
			t.Fatalf("pixel %d: %v, want %v", i, got[i], float32(p)/255)
		}
	}
}

func TestConversionString(t *testing.T) {
	var c Conversion
	c.add("28x28 grey", false)
	c.add("32x32 colour", true)
	c.add("32x32 colour", true)
	s := c.String()
	for _, want := range []string{"2 of 3 images converted", "28x28 grey: 1", "32x32 colour: 2", "Catmull-Rom"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
}
