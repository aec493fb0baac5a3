package data

// Synthetic makes n labelled 28x28 images for unit tests: class c is a
// bright horizontal bar at rows 2c+3..2c+5 plus seeded noise, so classes are
// separable but not trivially identical.
func Synthetic(n int, seed int64) *Set {
	r := NewRand(seed, 4)
	s := &Set{Images: make([]float32, n*Pixels), Labels: make([]int, n)}
	for i := 0; i < n; i++ {
		c := i % len(FashionClasses)
		s.Labels[i] = c
		img := s.Image(i)
		for p := range img {
			img[p] = 0.2 * r.Float32()
		}
		for row := 2*c + 3; row < 2*c+6; row++ {
			for col := 4; col < 24; col++ {
				img[row*Cols+col] = 0.8 + 0.2*r.Float32()
			}
		}
	}
	return s
}

// HueClasses are SyntheticHue's classes, and HueColours their colours
// (8-bit red, green, blue): three hues of one luminance, 0.299 R + 0.587 G
// + 0.114 B = 106.941 for each, so that only colour tells them apart.
var (
	HueClasses = []string{"red", "green", "blue"}
	HueColours = [][3]uint8{{255, 42, 53}, {8, 175, 16}, {88, 89, 249}}
)

// HueShape is SyntheticHue's image shape.
var HueShape = Shape{16, 16, 3}

// SyntheticHue makes n labelled 16x16 colour images whose classes differ
// only in hue: image i is of class i % 3 and holds one or two filled
// rectangles of seeded sizes and places (drawn alike for every class) in
// its class's colour of HueColours, on black. Its luminance alone says
// nothing about the class. Values are 8-bit levels / 255, so writing the
// set as PNG files (WriteImages) and reading it back is exact.
func SyntheticHue(n int, seed int64) *Set {
	r := NewRand(seed, 12)
	h, w := HueShape[0], HueShape[1]
	s := &Set{Images: make([]float32, n*HueShape.Values()), Labels: make([]int, n), Shape: HueShape}
	for i := range n {
		c := i % len(HueClasses)
		s.Labels[i] = c
		img := s.Image(i)
		for range 1 + r.IntN(2) {
			rh, rw := 3+r.IntN(8), 3+r.IntN(8)
			y0, x0 := r.IntN(h-rh+1), r.IntN(w-rw+1)
			for y := y0; y < y0+rh; y++ {
				for x := x0; x < x0+rw; x++ {
					for k, v := range HueColours[c] {
						img[3*(y*w+x)+k] = float32(v) / 255
					}
				}
			}
		}
	}
	return s
}

// WriteImages writes s as dir/<class>/<n>.png, grey or colour PNG files
// (the layout of an images source's train or test folder), or dir/<n>.png
// when classes is nil.
func WriteImages(dir string, s *Set, classes []string) error {
	return exportImages(dir, s, classes)
}
