package data

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// writeImage writes img as dir/name, a PNG file.
func writeImage(t *testing.T, dir, name string, img image.Image) {
	t.Helper()
	p := writeFile(t, dir, name, nil)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// mean is the mean of channel k over the images of a set of colour images.
func mean(s *Set, k int) float64 {
	sum := 0.0
	for i := k; i < len(s.Images); i += 3 {
		sum += float64(s.Images[i])
	}
	return sum / float64(len(s.Images)/3)
}

// TestImagesSourceKeepsHue: 20x24 pure red and pure blue PNG files read at
// [16, 16, 3] stay red and blue (every image of the red class has red in
// it, no blue; its centre is (1, 0, 0)); read at [16, 16, 1] they are
// grey, of luminance 0.299 and 0.114.
func TestImagesSourceKeepsHue(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		rgb  color.NRGBA
	}{{"blue", color.NRGBA{0, 0, 255, 255}}, {"red", color.NRGBA{255, 0, 0, 255}}} {
		for i := range 4 {
			img := solid(20, 24, c.rgb)
			img.SetNRGBA(i, i, color.NRGBA{0, 0, 0, 255}) // the images differ a little
			writeImage(t, dir, filepath.Join("train", c.name, string(rune('a'+i))+".png"), img)
		}
	}
	cfg := config.Data{Source: SourceImages, Dir: dir, TestFraction: 0.25}
	colour := Shape{16, 16, 3}
	d, err := Open(cfg, colour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Classes, []string{"blue", "red"}) || d.Train.Len() != 6 || d.Test.Len() != 2 {
		t.Fatalf("classes %v, %d training and %d test images; want blue and red, 6 and 2", d.Classes, d.Train.Len(), d.Test.Len())
	}
	for _, s := range []*Set{d.Train, d.Test} {
		if s.Shape != colour || len(s.Images) != s.Len()*colour.Values() {
			t.Fatalf("shape %v, %d values for %d images; want %v", s.Shape, len(s.Images), s.Len(), colour)
		}
		for i := range s.Len() {
			img := &Set{Images: s.Image(i), Labels: s.Labels[i : i+1], Shape: colour}
			r, g, b := mean(img, 0), mean(img, 1), mean(img, 2)
			want := []float32{0, 0, 1} // blue, class 0
			if s.Labels[i] == 1 {
				want = []float32{1, 0, 0}
				if !(r > 0.3 && b == 0) {
					t.Errorf("red image %d: mean red %v, blue %v", i, r, b)
				}
			} else if !(b > 0.3 && r == 0) {
				t.Errorf("blue image %d: mean red %v, blue %v", i, r, b)
			}
			if g != 0 {
				t.Errorf("image %d: mean green %v, want 0", i, g)
			}
			if p := pixel(s.Image(i), colour, 8, 8); math.Abs(float64(p[0]-want[0])) > 1e-4 || math.Abs(float64(p[2]-want[2])) > 1e-4 {
				t.Errorf("image %d of class %d: centre %v, want %v", i, s.Labels[i], p, want)
			}
		}
	}
	if c := d.Conversion; c.Target != colour || c.Converted != 8 || c.Kinds["24x20 colour"] != 8 {
		t.Errorf("conversion %+v: want 8 images of 24x20 colour converted to %v", c, colour)
	}
	if s := d.Conversion.String(); !strings.Contains(s, "8 images 24x20 colour -> 16x16 colour") {
		t.Errorf("conversion %q does not say what became what", s)
	}

	grey, err := Open(cfg, Shape{16, 16, 1}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range grey.Train.Len() {
		want := 0.114
		if grey.Train.Labels[i] == 1 {
			want = 0.299
		}
		if v := grey.Train.Image(i)[8*16+8]; math.Abs(float64(v)-want) > 1e-4 {
			t.Errorf("grey image %d of class %d: centre %v, want the luminance %v", i, grey.Train.Labels[i], v, want)
		}
	}
}

// TestSyntheticHue: the hue set's images are 16x16 colour, one colour a
// class on black; written as an images folder and read back at its shape
// they are the same values, and read as grey every class gives the one
// luminance (so only colour tells them apart).
func TestSyntheticHue(t *testing.T) {
	const n = 30
	s := SyntheticHue(n, 3)
	if s.Len() != n || s.Shape != HueShape || len(s.Images) != n*16*16*3 {
		t.Fatalf("%d images of %v, %d values", s.Len(), s.Shape, len(s.Images))
	}
	for i := range n {
		c := HueColours[s.Labels[i]]
		lit := 0
		for p := range 16 * 16 {
			px := s.Image(i)[3*p : 3*p+3]
			if px[0] == 0 && px[1] == 0 && px[2] == 0 {
				continue
			}
			lit++
			for k := range 3 {
				if px[k] != float32(c[k])/255 {
					t.Fatalf("image %d (%s): pixel %d is %v, want black or %v", i, HueClasses[s.Labels[i]], p, px, c)
				}
			}
		}
		if lit < 9 {
			t.Errorf("image %d: %d coloured pixels, want a rectangle of 3x3 or more", i, lit)
		}
	}
	if c := s.ClassCounts(3); !slices.Equal(c, []int{10, 10, 10}) {
		t.Errorf("class counts %v", c)
	}

	dir := t.TempDir()
	train, test := s.Slice(0, 24), s.Slice(24, n)
	if err := WriteImages(filepath.Join(dir, "train"), train, HueClasses); err != nil {
		t.Fatal(err)
	}
	if err := WriteImages(filepath.Join(dir, "test"), test, HueClasses); err != nil {
		t.Fatal(err)
	}
	cfg := config.Data{Source: SourceImages, Dir: dir}
	d, err := Open(cfg, HueShape, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Conversion.Converted != 0 || d.Conversion.Images != n {
		t.Errorf("conversion %+v: want %d images, none converted", d.Conversion, n)
	}
	// The folders sort blue, green, red; within a class, files keep the
	// set's order.
	for _, part := range []struct{ got, want *Set }{{d.Train, train}, {d.Test, test}} {
		var order []int
		for _, name := range d.Classes {
			c := slices.Index(HueClasses, name)
			for i, l := range part.want.Labels {
				if l == c {
					order = append(order, i)
				}
			}
		}
		want := part.want.Subset(order)
		if !slices.Equal(part.got.Images, want.Images) {
			t.Errorf("the images read back differ from those written")
		}
		for i, l := range part.got.Labels {
			if d.Classes[l] != HueClasses[want.Labels[i]] {
				t.Fatalf("image %d: class %s, want %s", i, d.Classes[l], HueClasses[want.Labels[i]])
			}
		}
	}

	grey, err := Open(cfg, Shape{16, 16, 1}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	values := map[float32]bool{}
	for _, v := range grey.Train.Images {
		values[v] = true
	}
	if len(values) != 2 || !values[0] {
		t.Errorf("grey values %v: want black and one luminance for every class", values)
	}
}

// TestNPYShapes: .npy images [N, H, W, 3] and [N, H, W], uint8 and float,
// read at their own shape exactly, at another converted.
func TestNPYShapes(t *testing.T) {
	const n, h, w = 4, 6, 5
	colour := make([]byte, n*h*w*3)
	for i := range colour {
		colour[i] = byte(i * 7)
	}
	floats := make([]byte, 0, 4*len(colour))
	for _, v := range colour {
		floats = appendFloat32(floats, float32(v)/255)
	}
	grey := make([]byte, n*h*w)
	for i := range grey {
		grey[i] = byte(255 - i)
	}
	labels := make([]byte, 8*n)
	for i := range n {
		labels[8*i] = byte(i % 2)
	}
	for _, tc := range []struct {
		name      string
		descr     string
		shape     []int
		payload   []byte
		to        Shape
		converted bool
		check     func(t *testing.T, s *Set)
	}{
		{"uint8 colour at its shape", "|u1", []int{n, h, w, 3}, colour, Shape{h, w, 3}, false, func(t *testing.T, s *Set) {
			for i, v := range s.Images {
				if v != float32(colour[i])/255 {
					t.Fatalf("value %d: %v, want %v", i, v, float32(colour[i])/255)
				}
			}
		}},
		{"float colour at its shape", "<f4", []int{n, h, w, 3}, floats, Shape{h, w, 3}, false, func(t *testing.T, s *Set) {
			for i, v := range s.Images {
				if v != float32(colour[i])/255 {
					t.Fatalf("value %d: %v, want %v", i, v, float32(colour[i])/255)
				}
			}
		}},
		{"uint8 colour to grey", "|u1", []int{n, h, w, 3}, colour, Shape{h, w, 1}, true, func(t *testing.T, s *Set) {
			for p, v := range s.Images {
				r, g, b := float64(colour[3*p]), float64(colour[3*p+1]), float64(colour[3*p+2])
				if want := (0.299*r + 0.587*g + 0.114*b) / 255; math.Abs(float64(v)-want) > 3e-5 {
					t.Fatalf("pixel %d: %v, want the luminance %v", p, v, want)
				}
			}
		}},
		{"float colour to grey", "<f4", []int{n, h, w, 3}, floats, Shape{h, w, 1}, true, func(t *testing.T, s *Set) {
			for p, v := range s.Images {
				r, g, b := float64(colour[3*p]), float64(colour[3*p+1]), float64(colour[3*p+2])
				if want := (0.299*r + 0.587*g + 0.114*b) / 255; math.Abs(float64(v)-want) > 3e-5 {
					t.Fatalf("pixel %d: %v, want the luminance %v", p, v, want)
				}
			}
		}},
		{"uint8 grey to colour", "|u1", []int{n, h, w}, grey, Shape{h, w, 3}, true, func(t *testing.T, s *Set) {
			for p, g := range grey {
				for k := range 3 {
					if v := s.Images[3*p+k]; v != float32(g)/255 {
						t.Fatalf("pixel %d channel %d: %v, want %v", p, k, v, float32(g)/255)
					}
				}
			}
		}},
		{"uint8 colour resized", "|u1", []int{n, h, w, 3}, colour, Shape{12, 12, 3}, true, func(t *testing.T, s *Set) {
			for i := range s.Len() {
				img := image.NewNRGBA(image.Rect(0, 0, w, h))
				for p := range h * w {
					copy(img.Pix[4*p:], colour[(i*h*w+p)*3:(i*h*w+p)*3+3])
					img.Pix[4*p+3] = 255
				}
				want := reference(img, s.Shape)
				for j, v := range s.Image(i) {
					if math.Abs(float64(v)-want[j]) > 2e-4 {
						t.Fatalf("image %d value %d: %v, the reference %v", i, j, v, want[j])
					}
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range [][2]string{{NPYTrainImages, NPYTrainLabels}, {NPYTestImages, NPYTestLabels}} {
				writeArray(t, dir, f[0], tc.descr, tc.shape, tc.payload)
				writeArray(t, dir, f[1], "<i8", []int{n}, labels)
			}
			d, err := Open(config.Data{Source: SourceNPY, Dir: dir}, tc.to, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d.Train.Shape != tc.to || d.Test.Shape != tc.to || len(d.Train.Images) != n*tc.to.Values() {
				t.Fatalf("shapes %v and %v, %d values; want %v", d.Train.Shape, d.Test.Shape, len(d.Train.Images), tc.to)
			}
			from := Shape{tc.shape[1], tc.shape[2], 1}
			if len(tc.shape) == 4 {
				from[2] = 3
			}
			if c := d.Conversion; c.Images != 2*n || (c.Converted == 2*n) != tc.converted || c.Kinds[from.String()] != 2*n {
				t.Errorf("conversion %+v: want %d images of %s, converted %v", c, 2*n, from, tc.converted)
			}
			tc.check(t, d.Train)
			if !slices.Equal(d.Test.Images, d.Train.Images) {
				t.Error("the test file, the same as the training file, reads differently")
			}
		})
	}
}

// TestFashionAtOtherShape: Fashion-MNIST read at [32, 32, 1] keeps its
// counts, every image converted, each the 28x28 image resampled to 32x32
// (checked against the independent reference on a few) and not blank.
func TestFashionAtOtherShape(t *testing.T) {
	realDir(t)
	to := Shape{32, 32, 1}
	d, err := Open(config.Data{}, to, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := Load(realDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.Len() != 60000 || d.Test.Len() != 10000 || d.Train.Shape != to || len(d.Train.Images) != 60000*32*32 {
		t.Fatalf("%d training and %d test images of %v; want 60000 and 10000 of %v", d.Train.Len(), d.Test.Len(), d.Train.Shape, to)
	}
	if c := d.Conversion; c.Converted != 70000 || c.Kinds["28x28 grey"] != 70000 || c.Target != to {
		t.Errorf("conversion %+v", c)
	}
	if !slices.Equal(d.Train.ClassCounts(10), train.ClassCounts(10)) || !slices.Equal(d.Test.Labels, test.Labels) {
		t.Error("the labels changed")
	}
	for _, i := range []int{0, 1, 12345, 59999} {
		g := &image.Gray{Pix: make([]byte, Pixels), Stride: Cols, Rect: image.Rect(0, 0, Cols, Rows)}
		for p, v := range train.Image(i) {
			g.Pix[p] = uint8(math.Round(float64(v) * 255))
		}
		want := reference(g, to)
		got := d.Train.Image(i)
		centre := 0.0
		for p, v := range got {
			if math.Abs(float64(v)-want[p]) > 2e-4 {
				t.Fatalf("training image %d, pixel %d: %v, the reference %v", i, p, v, want[p])
			}
			if y, x := p/32, p%32; y >= 8 && y < 24 && x >= 8 && x < 24 {
				centre += float64(v)
			}
		}
		if centre < 10 {
			t.Errorf("training image %d: the centre's 256 pixels sum to %v: blank", i, centre)
		}
	}
}

// TestStreamShapes: every stream gives images of the shape it was opened
// at, and counts what it converted.
func TestStreamShapes(t *testing.T) {
	folder := t.TempDir()
	writeImage(t, folder, "a.png", solid(20, 10, color.NRGBA{255, 0, 0, 255}))
	writeImage(t, folder, "sub/b.png", solid(8, 8, color.NRGBA{0, 0, 255, 255}))
	arrays := t.TempDir()
	npyPath := writeArray(t, arrays, "x.npy", "|u1", []int{3, 8, 8, 3}, make([]byte, 3*8*8*3))
	idxPath := filepath.Join(arrays, "x-idx3-ubyte")
	f, err := os.Create(idxPath)
	if err != nil {
		t.Fatal(err)
	}
	px := make([]byte, 5*10*10)
	for i := range px {
		px[i] = byte(i)
	}
	if err := WriteIDX(f, []int{5, 10, 10}, px, false); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path      string
		to        Shape
		n         int
		converted int
		kind      string
	}{
		{folder, Shape{16, 16, 3}, 2, 2, "8x8 colour"},
		{folder, Shape{8, 8, 3}, 2, 1, "10x20 colour"},
		{folder, Shape{}, 2, 2, "8x8 colour"},
		{npyPath, Shape{8, 8, 3}, 3, 0, "8x8 colour"},
		{npyPath, Shape{28, 28, 1}, 3, 3, "8x8 colour"},
		{idxPath, Shape{10, 10, 1}, 5, 0, "10x10 grey"},
		{idxPath, Shape{32, 32, 3}, 5, 5, "10x10 grey"},
	} {
		s, err := OpenStream(tc.path, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		want := tc.to.norm()
		if s.Shape() != want || s.Len() != tc.n {
			t.Errorf("%s at %v: shape %v, %d images; want %v, %d", tc.path, tc.to, s.Shape(), s.Len(), want, tc.n)
		}
		var got []float32
		for range tc.n {
			if got, err = s.Next(got, 1); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != tc.n*want.Values() {
			t.Errorf("%s at %v: %d values, want %d", tc.path, tc.to, len(got), tc.n*want.Values())
		}
		if c := s.Conversion(); c.Images != tc.n || c.Converted != tc.converted || c.Kinds[tc.kind] == 0 || c.Target != want {
			t.Errorf("%s at %v: conversion %+v; want %d converted, a %s", tc.path, tc.to, c, tc.converted, tc.kind)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	if _, err := OpenStream(folder, Shape{16, 16, 2}); err == nil || !strings.Contains(err.Error(), "1 (grey) or 3 (colour)") {
		t.Errorf("a 2-channel shape: error %v", err)
	}
}

// TestExportShapes: a colour set exports as colour PNG files and [N, H, W,
// 3] arrays that the sources read back exactly; IDX refuses it by name.
func TestExportShapes(t *testing.T) {
	s := SyntheticHue(12, 5)
	d := &Dataset{Train: s, Test: s.Slice(0, 6), Classes: HueClasses}
	for _, format := range []string{SourceImages, SourceNPY} {
		dir := t.TempDir()
		if err := Export(d, ExportOptions{Dir: dir, Format: format, PerClass: 4, TestPerClass: 2, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		back, err := Open(config.Data{Source: format, Dir: dir}, HueShape, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if back.Conversion.Converted != 0 || back.Train.Len() != 12 || back.Test.Len() != 6 {
			t.Errorf("%s: conversion %+v, %d and %d images", format, back.Conversion, back.Train.Len(), back.Test.Len())
		}
		for i := range back.Train.Len() {
			c := slices.Index(HueClasses, back.Classes[back.Train.Labels[i]])
			for p := 0; p < HueShape.Values(); p += 3 {
				px := back.Train.Image(i)[p : p+3]
				if px[0]+px[1]+px[2] > 0 && px[0] != float32(HueColours[c][0])/255 {
					t.Fatalf("%s: image %d of class %s has pixel %v", format, i, HueClasses[c], px)
				}
			}
		}
	}
	err := Export(d, ExportOptions{Dir: t.TempDir(), Format: SourceIDX, PerClass: 4, Seed: 1})
	if err == nil || !strings.Contains(err.Error(), "grey images only") || !strings.Contains(err.Error(), "16x16 colour") {
		t.Errorf("idx export of colour images: error %v", err)
	}
}

// TestUseRefusesOtherShape: splits handed in must be of the model's
// input.
func TestUseRefusesOtherShape(t *testing.T) {
	s := &Splits{Train: Synthetic(10, 1)}
	if got, err := Use(s, config.Data{}, Grey28, 1, nil); err != nil || got != s {
		t.Errorf("28x28 grey splits for a 28x28 grey model: %v", err)
	}
	_, err := Use(s, config.Data{}, Shape{32, 32, 3}, 1, nil)
	if err == nil || !strings.Contains(err.Error(), "28x28 grey") || !strings.Contains(err.Error(), "32x32 colour") {
		t.Errorf("28x28 grey splits for a 32x32 colour model: error %v", err)
	}
}

func appendFloat32(b []byte, v float32) []byte {
	u := math.Float32bits(v)
	return append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
}
