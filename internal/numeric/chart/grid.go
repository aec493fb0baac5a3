package chart

import (
	"image"
	"image/color"
	"image/png"
	"io"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
)

// Picture is a white canvas for grids of images of one shape with text
// lines.
type Picture struct {
	*image.RGBA
	Scale int    // pixels per image pixel
	Shape [3]int // the images' height, width and channels (1 grey, 3 colour)
}

// Grey28 is the shape of Fashion-MNIST's images.
var Grey28 = [3]int{28, 28, 1}

// CellW and CellH are the room one enlarged image takes, with its gap.
func (p *Picture) CellW() int { return p.Shape[1]*p.Scale + ImageGap }
func (p *Picture) CellH() int { return p.Shape[0]*p.Scale + ImageGap }

// ImageGap is the gap between images; TextLine the height of a text line.
const (
	ImageGap = 4
	TextLine = 16
)

// NewPicture is a white w x h picture for images of shape (height, width,
// channels) enlarged scale times.
func NewPicture(shape [3]int, w, h, scale int) *Picture {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return &Picture{RGBA: img, Scale: scale, Shape: shape}
}

// Image paints an image's values in [0, 1] (height x width x channels,
// channels last; grey ones white on black, as the data) at (x0, y0),
// Scale times enlarged.
func (p *Picture) Image(px []float32, x0, y0 int) {
	s, h, w, c := p.Scale, p.Shape[0], p.Shape[1], p.Shape[2]
	level := func(i int) uint8 { return uint8(255*min(max(px[i], 0), 1) + 0.5) }
	for y := 0; y < h*s; y++ {
		for x := 0; x < w*s; x++ {
			i := ((y/s)*w + x/s) * c
			col := color.RGBA{level(i), level(i), level(i), 255}
			if c == 3 {
				col = color.RGBA{level(i), level(i + 1), level(i + 2), 255}
			}
			p.SetRGBA(x0+x, y0+y, col)
		}
	}
}

// Text writes a line with its baseline at (x, y).
func (p *Picture) Text(x, y int, text string) {
	d := font.Drawer{Dst: p.RGBA, Src: image.NewUniform(Ink), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(text)
}

// Save writes the picture as PNG, atomically.
func (p *Picture) Save(path string) error {
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, p.RGBA) })
}

// ImageRows draws rows of images of shape (height, width, channels) under
// a title line each: rows[i] is a row's images, titles[i] its title; every
// image Scale times enlarged.
func ImageRows(path string, shape [3]int, titles []string, rows [][][]float32, scale int) error {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	p := NewPicture(shape, 0, 0, scale)
	cw, ch := p.CellW(), p.CellH()
	w := max(cols*cw+ImageGap, 7*longest(titles)+2*ImageGap)
	p = NewPicture(shape, w, len(rows)*(TextLine+ch)+ImageGap, scale)
	for i, r := range rows {
		y := i * (TextLine + ch)
		if i < len(titles) {
			p.Text(ImageGap, y+12, titles[i])
		}
		for j, img := range r {
			p.Image(img, ImageGap+j*cw, y+TextLine)
		}
	}
	return p.Save(path)
}

func longest(ss []string) int {
	n := 0
	for _, s := range ss {
		n = max(n, len(s))
	}
	return n
}
