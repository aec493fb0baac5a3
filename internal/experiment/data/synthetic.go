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
