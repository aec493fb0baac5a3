package data

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"
	"strings"
	"sync"

	"golang.org/x/image/draw"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// Method says how images that are not of shape to become so: luminance
// for a grey target, the red, green and blue kept for a colour one (a grey
// image's value in all three), then a resampling to fit.
func Method(to Shape) string {
	to = to.norm()
	colour := "luminance (0.299 R + 0.587 G + 0.114 B)"
	if to[2] == 3 {
		colour = "red, green and blue kept (a grey image's value in all three)"
	}
	return fmt.Sprintf("%s, then Catmull-Rom resampling to fit %dx%d with the aspect ratio kept, centred on black padding", colour, to[0], to[1])
}

// ConversionMethod says how images that are not 28x28 grey become so.
var ConversionMethod = Method(Grey28)

// Conversion counts the images a source held by their size and colour
// before conversion to Target, and how many had to be converted.
type Conversion struct {
	Target    Shape          `json:"target"` // the zero Shape: Grey28
	Images    int            `json:"images"`
	Converted int            `json:"converted"`
	Kinds     map[string]int `json:"kinds,omitempty"` // "32x32 colour" (height x width): count
}

// add records one image's original kind.
func (c *Conversion) add(kind string, converted bool) {
	c.addN(kind, 1, converted)
}

// addN records n images of one kind.
func (c *Conversion) addN(kind string, n int, converted bool) {
	if c.Kinds == nil {
		c.Kinds = map[string]int{}
	}
	c.Kinds[kind] += n
	c.Images += n
	if converted {
		c.Converted += n
	}
}

// merge adds o's counts to c (and takes o's target when c has none).
func (c *Conversion) merge(o Conversion) {
	for k, n := range o.Kinds {
		if c.Kinds == nil {
			c.Kinds = map[string]int{}
		}
		c.Kinds[k] += n
	}
	c.Images += o.Images
	c.Converted += o.Converted
	if c.Target == (Shape{}) {
		c.Target = o.Target
	}
}

// String says what was converted and how, for the log and the report:
// "all 70000 images were 28x28 grey: none converted", or "70000 of 70000
// images converted: 70000 images 28x28 grey -> 32x32 colour, by ...".
func (c Conversion) String() string {
	to := c.Target.norm()
	if c.Converted == 0 {
		return fmt.Sprintf("all %d images were %s: none converted", c.Images, to)
	}
	kinds := make([]string, 0, len(c.Kinds))
	for _, k := range sortedKinds(c.Kinds) {
		kinds = append(kinds, fmt.Sprintf("%s %s", images(c.Kinds[k]), k))
	}
	return fmt.Sprintf("%d of %d images converted: %s -> %s, by %s",
		c.Converted, c.Images, strings.Join(kinds, ", "), to, Method(to))
}

// images is "1 image" or "n images".
func images(n int) string {
	if n == 1 {
		return "1 image"
	}
	return fmt.Sprintf("%d images", n)
}

func sortedKinds(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// kindOf names an image's size (height x width, as Shape does) and
// colour model.
func kindOf(img image.Image) string {
	b := img.Bounds()
	c := 1
	if colourName(img) == "colour" {
		c = 3
	}
	return Shape{b.Dy(), b.Dx(), c}.String()
}

func colourName(img image.Image) string {
	switch img.ColorModel() {
	case color.GrayModel, color.Gray16Model:
		return "grey"
	}
	if p, ok := img.(*image.Paletted); ok {
		for _, c := range p.Palette {
			r, g, b, _ := c.RGBA()
			if r != g || g != b {
				return "colour"
			}
		}
		return "grey"
	}
	return "colour"
}

// Convert writes img as an image of shape to (the zero Shape: Grey28),
// values in [0, 1], channels last, into dst (to.Values() values) and says
// whether it had to be converted. An 8-bit grey image of the target's size
// is copied exactly (value / 255, as the IDX reader does), into all three
// channels for a colour target; a colour image of a colour target's size
// is read as it is. Anything else goes through Method(to): transparent
// parts count as black.
func Convert(img image.Image, to Shape, dst []float32) (converted bool) {
	to = to.norm()
	h, w, c := to[0], to[1], to[2]
	b := img.Bounds()
	same := b.Dx() == w && b.Dy() == h
	if g, ok := img.(*image.Gray); ok && same {
		for y := range h {
			row := g.Pix[y*g.Stride : y*g.Stride+w]
			if c == 1 {
				for x, v := range row {
					dst[y*w+x] = float32(v) / 255
				}
				continue
			}
			for x, v := range row {
				p := float32(v) / 255
				i := 3 * (y*w + x)
				dst[i], dst[i+1], dst[i+2] = p, p, p
			}
		}
		return c == 3
	}
	if c == 1 {
		lum := luminance(img)
		out := lum
		if !same {
			out = image.NewGray16(image.Rect(0, 0, w, h))
			scale(out, fitRect(b.Dx(), b.Dy(), to), lum)
		}
		for y := range h {
			for x := range w {
				dst[y*w+x] = float32(float64(out.Gray16At(x, y).Y) / 0xffff)
			}
		}
		return true
	}
	rgb := overBlack(img)
	out := rgb
	if !same {
		out = image.NewRGBA64(image.Rect(0, 0, w, h))
		scale(out, fitRect(b.Dx(), b.Dy(), to), rgb)
	}
	for y := range h {
		for x := range w {
			p := out.RGBA64At(x, y)
			i := 3 * (y*w + x)
			dst[i] = float32(float64(p.R) / 0xffff)
			dst[i+1] = float32(float64(p.G) / 0xffff)
			dst[i+2] = float32(float64(p.B) / 0xffff)
		}
	}
	return !same || colourName(img) != "colour"
}

// scalers holds a Catmull-Rom scaler for each pair of sizes met (a
// scaler is safe for concurrent use).
var scalers sync.Map // [4]int{dw, dh, sw, sh} -> draw.Scaler

// scale resamples all of src into dr of dst with the Catmull-Rom kernel,
// as draw.CatmullRom.Scale does, reusing its scaler for the sizes.
func scale(dst draw.Image, dr image.Rectangle, src image.Image) {
	sr := src.Bounds()
	key := [4]int{dr.Dx(), dr.Dy(), sr.Dx(), sr.Dy()}
	z, ok := scalers.Load(key)
	if !ok {
		z, _ = scalers.LoadOrStore(key, draw.CatmullRom.NewScaler(key[0], key[1], key[2], key[3]))
	}
	z.(draw.Scaler).Scale(dst, dr, src, sr, draw.Src, nil)
}

// luminance is img's luma as a 16-bit grey image, premultiplied colours
// (transparency over black), rounded to the nearest level.
func luminance(img image.Image) *image.Gray16 {
	b := img.Bounds()
	out := image.NewGray16(image.Rect(0, 0, b.Dx(), b.Dy()))
	if g, ok := img.(*image.Gray16); ok { // its own luma
		for y := range b.Dy() {
			at := g.PixOffset(b.Min.X, b.Min.Y+y)
			copy(out.Pix[y*out.Stride:(y+1)*out.Stride], g.Pix[at:at+out.Stride])
		}
		return out
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)
			out.SetGray16(x-b.Min.X, y-b.Min.Y, color.Gray16{Y: uint16(math.Min(math.Round(l), 0xffff))})
		}
	}
	return out
}

// overBlack is img as an opaque 16-bit colour image: premultiplied
// colours, so transparency is over black.
func overBlack(img image.Image) *image.RGBA64 {
	b := img.Bounds()
	if c, ok := img.(*image.RGBA64); ok && b.Min == (image.Point{}) && c.Opaque() {
		return c
	}
	out := image.NewRGBA64(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out.SetRGBA64(x-b.Min.X, y-b.Min.Y, color.RGBA64{R: uint16(r), G: uint16(g), B: uint16(bl), A: 0xffff})
		}
	}
	return out
}

// fitRect is where a w x h image lands in the frame of shape to: scaled
// so that it fills the frame's height or width, the other no larger,
// centred.
func fitRect(w, h int, to Shape) image.Rectangle {
	th, tw := to[0], to[1]
	scale := math.Min(float64(tw)/float64(w), float64(th)/float64(h))
	nw := max(1, min(tw, int(math.Round(float64(w)*scale))))
	nh := max(1, min(th, int(math.Round(float64(h)*scale))))
	x0, y0 := (tw-nw)/2, (th-nh)/2
	return image.Rect(x0, y0, x0+nw, y0+nh)
}

// convertPixels writes one image of shape from, given as values (8-bit
// levels 0-255 when bytes is set, else in [0, 1]), as shape to into dst,
// and says whether it had to be converted. Same shapes copy the values
// (v / 255 for levels, as the IDX reader does); other shapes pass through
// Convert, float values rounded to 16 bits first.
func convertPixels(vals []float32, from Shape, bytes bool, to Shape, dst []float32) (converted bool) {
	if from == to {
		if bytes {
			for i, v := range vals {
				dst[i] = v / 255
			}
		} else {
			copy(dst, vals)
		}
		return false
	}
	h, w := from[0], from[1]
	r := image.Rect(0, 0, w, h)
	var img image.Image
	switch {
	case from[2] == 1 && bytes:
		g := image.NewGray(r)
		for i, v := range vals {
			g.Pix[i] = uint8(v)
		}
		img = g
	case from[2] == 1:
		g := image.NewGray16(r)
		for i, v := range vals {
			l := level16(v)
			g.Pix[2*i], g.Pix[2*i+1] = uint8(l>>8), uint8(l)
		}
		img = g
	case bytes:
		c := image.NewRGBA(r)
		for i := range h * w {
			c.Pix[4*i], c.Pix[4*i+1], c.Pix[4*i+2], c.Pix[4*i+3] = uint8(vals[3*i]), uint8(vals[3*i+1]), uint8(vals[3*i+2]), 0xff
		}
		img = c
	default:
		c := image.NewRGBA64(r)
		for i := range h * w {
			p := c.Pix[8*i : 8*i+8]
			for k := range 3 {
				l := level16(vals[3*i+k])
				p[2*k], p[2*k+1] = uint8(l>>8), uint8(l)
			}
			p[6], p[7] = 0xff, 0xff
		}
		img = c
	}
	Convert(img, to, dst)
	return true
}

// level16 is a value in [0, 1] as the nearest 16-bit level.
func level16(v float32) uint16 {
	return uint16(math.Round(math.Min(1, math.Max(0, float64(v))) * 0xffff))
}

// convertSet converts every image of s to shape to, on every core,
// counting them in conv; a set already of that shape is s itself, its
// Shape set.
func convertSet(s *Set, to Shape, conv *Conversion) *Set {
	from := s.ImageShape()
	if from == to {
		conv.addN(from.String(), s.Len(), false)
		s.Shape = to
		return s
	}
	n := to.Values()
	out := &Set{Images: make([]float32, s.Len()*n), Labels: s.Labels, Shape: to}
	parallel.Chunks(s.Len(), parallel.Workers(), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			convertPixels(s.Image(i), from, false, to, out.Images[i*n:(i+1)*n])
		}
	})
	conv.addN(from.String(), s.Len(), true)
	return out
}
