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

// Picture is a white canvas for grids of 28x28 images with text lines.
type Picture struct {
	*image.RGBA
	Scale int // pixels per image pixel
}

// Cell is the room one enlarged image takes, with its gap.
func (p *Picture) Cell() int { return 28*p.Scale + ImageGap }

// ImageGap is the gap between images; TextLine the height of a text line.
const (
	ImageGap = 4
	TextLine = 16
)

// NewPicture is a white w x h picture for images enlarged scale times.
func NewPicture(w, h, scale int) *Picture {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return &Picture{RGBA: img, Scale: scale}
}

// Image paints 28x28 pixels in [0, 1] (white on black, as the data) at
// (x0, y0), Scale times enlarged.
func (p *Picture) Image(px []float32, x0, y0 int) {
	s := p.Scale
	for y := 0; y < 28*s; y++ {
		for x := 0; x < 28*s; x++ {
			v := min(max(px[(y/s)*28+x/s], 0), 1)
			g := uint8(255*v + 0.5)
			p.SetRGBA(x0+x, y0+y, color.RGBA{g, g, g, 255})
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

// ImageRows draws rows of images under a title line each: rows[i] is a
// row's images, titles[i] its title; every image Scale times enlarged.
func ImageRows(path string, titles []string, rows [][][]float32, scale int) error {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	cell := 28*scale + ImageGap
	w := max(cols*cell+ImageGap, 7*longest(titles)+2*ImageGap)
	p := NewPicture(w, len(rows)*(TextLine+cell)+ImageGap, scale)
	for i, r := range rows {
		y := i * (TextLine + cell)
		if i < len(titles) {
			p.Text(ImageGap, y+12, titles[i])
		}
		for j, img := range r {
			p.Image(img, ImageGap+j*cell, y+TextLine)
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
