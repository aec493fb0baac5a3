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

// reference converts img to shape to the slow, independent way: float64
// luma (grey target) or premultiplied red, green and blue (colour target,
// transparency over black) of 8-bit channels, each plane resampled
// separably into the fitted box, black around.
func reference(img image.Image, to Shape) []float64 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	th, tw, tc := to[0], to[1], to[2]
	planes := make([][][]float64, tc) // channel, row, column
	for k := range planes {
		planes[k] = make([][]float64, h)
		for y := range h {
			planes[k][y] = make([]float64, w)
			for x := range w {
				c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				a := float64(c.A) / 255 // over black
				r, g, bl := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
				v := []float64{r, g, bl}
				if tc == 1 {
					planes[k][y][x] = a * (0.299*r + 0.587*g + 0.114*bl)
				} else {
					planes[k][y][x] = a * v[k]
				}
			}
		}
	}
	box := fitRect(w, h, to)
	out := make([]float64, th*tw*tc)
	for k, plane := range planes {
		rows := make([][]float64, h)
		for y := range h {
			rows[y] = resample1D(plane[y], box.Dx())
		}
		for x := range box.Dx() {
			col := make([]float64, h)
			for y := range h {
				col[y] = rows[y][x]
			}
			for y, v := range resample1D(col, box.Dy()) {
				out[((box.Min.Y+y)*tw+box.Min.X+x)*tc+k] = math.Min(1, math.Max(0, v))
			}
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
		to   Shape
		tol  float64 // the 16-bit luminance rounding and float64 order
	}{
		{"shrink 64x64 colour", randomImage(64, 64, 1), Grey28, 2e-4},
		{"shrink 45x30 colour, wide", randomImage(45, 30, 2), Grey28, 2e-4},
		{"grow 10x14 colour, tall", randomImage(10, 14, 3), Grey28, 2e-4},
		{"28x28 colour, no resampling", randomImage(28, 28, 4), Grey28, 2e-4},
		{"shrink 64x64 colour to 32x32 colour", randomImage(64, 64, 5), Shape{32, 32, 3}, 2e-4},
		{"45x30 colour to 32x32 colour, wide", randomImage(45, 30, 6), Shape{32, 32, 3}, 2e-4},
		{"grow 10x14 colour to 32x32 colour, tall", randomImage(10, 14, 7), Shape{32, 32, 3}, 2e-4},
		{"32x32 colour to 32x32 colour, no resampling", randomImage(32, 32, 8), Shape{32, 32, 3}, 2e-4},
		{"45x30 colour to 20x36 colour, a wide frame", randomImage(45, 30, 9), Shape{20, 36, 3}, 2e-4},
		{"45x30 colour to 24x40 grey, a wide frame", randomImage(45, 30, 10), Shape{24, 40, 1}, 2e-4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]float32, tc.to.Values())
			if !Convert(tc.img, tc.to, got) && tc.to[2] == 1 {
				t.Error("not reported as converted")
			}
			want := reference(tc.img, tc.to)
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

// solid is a w x h opaque image of one 8-bit colour.
func solid(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// pixel is the (x, y) pixel of an image of shape sh in values.
func pixel(values []float32, sh Shape, x, y int) []float32 {
	i := (y*sh[1] + x) * sh[2]
	return values[i : i+sh[2]]
}

// TestConvertColourByHand: expected values worked out by hand. A resampled
// constant stays that constant (the kernel's weights sum to 1), so a
// 16x8 red image doubled into a 32x32 colour frame is red on rows 8-23
// (the 32x16 box, centred) and black elsewhere; an 8x8 image red on its
// left half and blue on its right, doubled into 16x16: output column x
// sits at source (x + 0.5) / 2 - 0.5, and the Catmull-Rom cubic C weighs
// source columns within 2 of it. Columns 0-6 are red (5 and 6 overshoot,
// their blue taps' weights being negative, and are clamped), 9-15 blue;
// column 7 sits at source 3.25: red from columns 2 and 3, C(1.25) +
// C(0.25) = -0.0703125 + 0.8671875 = 0.796875, blue from 4 and 5, C(0.75)
// + C(1.75) = 0.2265625 - 0.0234375 = 0.203125; column 8 the mirror.
func TestConvertColourByHand(t *testing.T) {
	const tol = 1e-4
	near := func(got []float32, want ...float32) bool {
		for k := range want {
			if math.Abs(float64(got[k]-want[k])) > tol {
				return false
			}
		}
		return true
	}
	to := Shape{32, 32, 3}
	got := make([]float32, to.Values())
	if !Convert(solid(16, 8, color.NRGBA{255, 0, 0, 255}), to, got) {
		t.Error("a 16x8 image was not reported as converted to 32x32")
	}
	for y := range 32 {
		for x := range 32 {
			want := []float32{0, 0, 0}
			if y >= 8 && y < 24 {
				want = []float32{1, 0, 0}
			}
			if p := pixel(got, to, x, y); !near(p, want...) {
				t.Fatalf("red 16x8 to 32x32: pixel (%d, %d) = %v, want %v", x, y, p, want)
			}
		}
	}

	halves := solid(8, 8, color.NRGBA{255, 0, 0, 255})
	for y := range 8 {
		for x := 4; x < 8; x++ {
			halves.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 255})
		}
	}
	to = Shape{16, 16, 3}
	got = make([]float32, to.Values())
	Convert(halves, to, got)
	for y := range 16 {
		for x := range 16 {
			p := pixel(got, to, x, y)
			want := []float32{1, 0, 0}
			switch {
			case x == 7:
				want = []float32{0.796875, 0, 0.203125}
			case x == 8:
				want = []float32{0.203125, 0, 0.796875}
			case x > 8:
				want = []float32{0, 0, 1}
			}
			if !near(p, want...) {
				t.Fatalf("red and blue halves, doubled: pixel (%d, %d) = %v, want %v", x, y, p, want)
			}
		}
	}
}

// TestConvertColourSameSizeIsExact: a colour image of the target's size is
// read as it is (8-bit value / 255) and not counted as converted.
func TestConvertColourSameSizeIsExact(t *testing.T) {
	img := randomImage(12, 10, 11)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255 // opaque
	}
	to := Shape{10, 12, 3}
	got := make([]float32, to.Values())
	if Convert(img, to, got) {
		t.Error("a 10x12 colour image was reported as converted to 10x12 colour")
	}
	for y := range 10 {
		for x := range 12 {
			c := img.NRGBAAt(x, y)
			want := []float64{float64(c.R) / 255, float64(c.G) / 255, float64(c.B) / 255}
			for k, v := range pixel(got, to, x, y) {
				if math.Abs(float64(v)-want[k]) > 1e-7 {
					t.Fatalf("pixel (%d, %d) channel %d: %v, want %v", x, y, k, v, want[k])
				}
			}
		}
	}
}

// TestConvertGreyToColour: a grey image's value goes into all three
// channels: exactly (v / 255) at the same size, and as the grey
// conversion's value when resized.
func TestConvertGreyToColour(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 9, 7))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 37)
	}
	for _, tc := range []struct {
		name   string
		to     Shape
		same   bool
		tolRef float64 // against the grey conversion: 16-bit levels
	}{
		{"same size", Shape{7, 9, 3}, true, 0},
		{"grown", Shape{20, 20, 3}, false, 2e-5},
		{"shrunk", Shape{4, 5, 3}, false, 2e-5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			colour := make([]float32, tc.to.Values())
			if !Convert(g, tc.to, colour) {
				t.Error("grey to colour not reported as converted")
			}
			grey := make([]float32, tc.to.Values()/3)
			Convert(g, Shape{tc.to[0], tc.to[1], 1}, grey)
			for i, v := range grey {
				p := colour[3*i : 3*i+3]
				if p[0] != p[1] || p[1] != p[2] {
					t.Fatalf("pixel %d: %v, want three equal channels", i, p)
				}
				if math.Abs(float64(p[0]-v)) > tc.tolRef {
					t.Fatalf("pixel %d: %v, the grey conversion gives %v", i, p[0], v)
				}
				if tc.same && p[0] != float32(g.Pix[i])/255 {
					t.Fatalf("pixel %d: %v, want %v exactly", i, p[0], float32(g.Pix[i])/255)
				}
			}
		})
	}
}

// TestConvertColourToGrey: luminance 0.299 R + 0.587 G + 0.114 B, worked
// out by hand for pure and mixed colours, transparency over black.
func TestConvertColourToGrey(t *testing.T) {
	for _, tc := range []struct {
		c    color.NRGBA
		want float64
	}{
		{color.NRGBA{255, 0, 0, 255}, 0.299},
		{color.NRGBA{0, 255, 0, 255}, 0.587},
		{color.NRGBA{0, 0, 255, 255}, 0.114},
		{color.NRGBA{255, 255, 255, 255}, 1},
		{color.NRGBA{51, 102, 204, 255}, (0.299*51 + 0.587*102 + 0.114*204) / 255},
		{color.NRGBA{255, 255, 255, 0}, 0},
		{color.NRGBA{255, 0, 0, 51}, 0.299 * 0.2},
	} {
		for _, to := range []Shape{{6, 6, 1}, {3, 3, 1}} { // the same size, and shrunk
			got := make([]float32, to.Values())
			Convert(solid(6, 6, tc.c), to, got)
			for i, v := range got {
				if math.Abs(float64(v)-tc.want) > 3e-5 {
					t.Fatalf("%v to %s: pixel %d = %v, want %v", tc.c, to, i, v, tc.want)
				}
			}
		}
	}
}

// TestHueColoursShareLuminance: SyntheticHue's colours differ in hue only,
// so converted to grey they give one value, 106.941 / 255.
func TestHueColoursShareLuminance(t *testing.T) {
	var first float32
	for i, c := range HueColours {
		got := make([]float32, 1)
		Convert(solid(1, 1, color.NRGBA{c[0], c[1], c[2], 255}), Shape{1, 1, 1}, got)
		if math.Abs(float64(got[0])-106.941/255) > 2e-5 {
			t.Errorf("%s: luminance %v, want %v", HueClasses[i], got[0], 106.941/255)
		}
		if i == 0 {
			first = got[0]
		} else if got[0] != first {
			t.Errorf("%s: grey value %v, %s's is %v", HueClasses[i], got[0], HueClasses[0], first)
		}
	}
}

func TestConvertKeepsAspectOnBlack(t *testing.T) {
	white := image.NewGray(image.Rect(0, 0, 56, 28)) // twice as wide as high
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	got := make([]float32, Pixels)
	Convert(white, Grey28, got)
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
	if Convert(g, Grey28, got) {
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
	for _, want := range []string{"2 of 3 images converted", "1 image 28x28 grey, 2 images 32x32 colour -> 28x28 grey", "luminance", "Catmull-Rom", "fit 28x28"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
	c = Conversion{Target: Shape{32, 32, 3}}
	c.addN("28x28 grey", 70000, true)
	s = c.String()
	for _, want := range []string{"70000 of 70000 images converted: 70000 images 28x28 grey -> 32x32 colour", "red, green and blue kept", "fit 32x32"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
	c = Conversion{Target: Shape{16, 16, 3}}
	c.addN("16x16 colour", 5, false)
	if s, want := c.String(), "all 5 images were 16x16 colour: none converted"; s != want {
		t.Errorf("%q, want %q", s, want)
	}
}
