package data

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"
	"strings"

	"golang.org/x/image/draw"
)

// ConversionMethod says how images that are not 28x28 grey become so.
const ConversionMethod = "luminance (0.299 R + 0.587 G + 0.114 B), then Catmull-Rom resampling to fit 28x28 with the aspect ratio kept, centred on black padding"

// Conversion counts the images a source held by their size and colour
// before conversion, and how many had to be converted.
type Conversion struct {
	Images    int            `json:"images"`
	Converted int            `json:"converted"`
	Kinds     map[string]int `json:"kinds,omitempty"` // "32x32 colour": count
}

// add records one image's original kind.
func (c *Conversion) add(kind string, converted bool) {
	if c.Kinds == nil {
		c.Kinds = map[string]int{}
	}
	c.Kinds[kind]++
	c.Images++
	if converted {
		c.Converted++
	}
}

// merge adds o's counts to c.
func (c *Conversion) merge(o Conversion) {
	for k, n := range o.Kinds {
		if c.Kinds == nil {
			c.Kinds = map[string]int{}
		}
		c.Kinds[k] += n
	}
	c.Images += o.Images
	c.Converted += o.Converted
}

// String says what was converted and how, for the log and the report.
func (c Conversion) String() string {
	if c.Converted == 0 {
		return fmt.Sprintf("all %d images were 28x28 grey: none converted", c.Images)
	}
	kinds := make([]string, 0, len(c.Kinds))
	for k, n := range c.Kinds {
		kinds = append(kinds, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(kinds)
	return fmt.Sprintf("%d of %d images converted to 28x28 grey by %s (before: %s)",
		c.Converted, c.Images, ConversionMethod, strings.Join(kinds, ", "))
}

// kindOf names an image's size and colour model.
func kindOf(img image.Image) string {
	b := img.Bounds()
	return fmt.Sprintf("%dx%d %s", b.Dx(), b.Dy(), colourName(img))
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

// Convert writes img as 28x28 grey pixels in [0, 1] into dst (Pixels
// values) and says whether it had to be converted. An 8-bit grey 28x28
// image is copied exactly (value / 255, as the IDX reader does); anything
// else goes through ConversionMethod: transparent parts count as black.
func Convert(img image.Image, dst []float32) (converted bool) {
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok && b.Dx() == Cols && b.Dy() == Rows {
		for y := range Rows {
			row := g.Pix[(y)*g.Stride : y*g.Stride+Cols]
			for x, v := range row {
				dst[y*Cols+x] = float32(v) / 255
			}
		}
		return false
	}
	lum := luminance(img)
	out := image.NewGray16(image.Rect(0, 0, Cols, Rows))
	if b.Dx() == Cols && b.Dy() == Rows {
		out = lum
	} else {
		draw.CatmullRom.Scale(out, fitRect(b.Dx(), b.Dy()), lum, lum.Bounds(), draw.Src, nil)
	}
	for y := range Rows {
		for x := range Cols {
			dst[y*Cols+x] = float32(float64(out.Gray16At(x, y).Y) / 0xffff)
		}
	}
	return true
}

// luminance is img's luma as a 16-bit grey image, premultiplied colours
// (transparency over black), rounded to the nearest level.
func luminance(img image.Image) *image.Gray16 {
	b := img.Bounds()
	out := image.NewGray16(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)
			out.SetGray16(x-b.Min.X, y-b.Min.Y, color.Gray16{Y: uint16(math.Min(math.Round(l), 0xffff))})
		}
	}
	return out
}

// fitRect is where a w x h image lands in the 28x28 frame: scaled so its
// longer side fills the frame, centred.
func fitRect(w, h int) image.Rectangle {
	scale := float64(Cols) / float64(max(w, h))
	nw := max(1, min(Cols, int(math.Round(float64(w)*scale))))
	nh := max(1, min(Rows, int(math.Round(float64(h)*scale))))
	x0, y0 := (Cols-nw)/2, (Rows-nh)/2
	return image.Rect(x0, y0, x0+nw, y0+nh)
}
