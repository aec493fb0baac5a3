package data

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
)

// Shape is an image's height, width and channels (1 grey, 3 colour).
type Shape [3]int

// Grey28 is Fashion-MNIST's shape, and the paper model's input.
var Grey28 = Shape{Rows, Cols, 1}

// Values is the number of values in one image.
func (s Shape) Values() int { return s[0] * s[1] * s[2] }

// norm is s, or Grey28 for the zero Shape.
func (s Shape) norm() Shape {
	if s == (Shape{}) {
		return Grey28
	}
	return s
}

// Validate checks the shape is one images can be converted to: a height
// and width of 1 or more, 1 channel (grey) or 3 (colour).
func (s Shape) Validate() error {
	if s[0] < 1 || s[1] < 1 || (s[2] != 1 && s[2] != 3) {
		return fmt.Errorf("image shape %v: want [height, width, channels] with a height and width of 1 or more and 1 (grey) or 3 (colour) channels", [3]int(s))
	}
	return nil
}

// String writes the shape as "28x28 grey" or "32x32 colour" (height x
// width).
func (s Shape) String() string {
	kind := "grey"
	if s[2] == 3 {
		kind = "colour"
	}
	return fmt.Sprintf("%dx%d %s", s[0], s[1], kind)
}

// Set is a labelled set of images of one Shape: Images holds
// Len()*Shape.Values() float32 values in [0, 1], row-major with channels
// last (height, width, channel), one image after the other; labels are
// class numbers from 0, or -1 for unlabelled images. A zero Shape means
// Grey28.
type Set struct {
	Images []float32
	Labels []int
	Shape  Shape
}

// ImageShape is the set's image shape (Grey28 when unset).
func (s *Set) ImageShape() Shape { return s.Shape.norm() }

// Len is the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns image i's values (a view, not a copy).
func (s *Set) Image(i int) []float32 {
	n := s.ImageShape().Values()
	return s.Images[i*n : (i+1)*n]
}

// Subset copies the images at the given indices, in that order.
func (s *Set) Subset(idx []int) *Set {
	out := &Set{Images: make([]float32, 0, len(idx)*s.ImageShape().Values()), Labels: make([]int, 0, len(idx)), Shape: s.Shape}
	for _, i := range idx {
		out.Images = append(out.Images, s.Image(i)...)
		out.Labels = append(out.Labels, s.Labels[i])
	}
	return out
}

// Slice returns images [from, to) as views into s.
func (s *Set) Slice(from, to int) *Set {
	n := s.ImageShape().Values()
	return &Set{Images: s.Images[from*n : to*n], Labels: s.Labels[from:to], Shape: s.Shape}
}

// ClassCounts counts the images of each of k classes (unlabelled images,
// label -1, are not counted).
func (s *Set) ClassCounts(k int) []int {
	c := make([]int, k)
	for _, l := range s.Labels {
		if l >= 0 {
			c[l]++
		}
	}
	return c
}

// NewRand returns the generator every seeded draw in hourglass uses (PCG,
// stable across Go releases).
func NewRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// Permutation returns a seeded permutation of the image indices.
func (s *Set) Permutation(seed int64) []int {
	return NewRand(seed, 1).Perm(s.Len())
}

// Sample draws n images without replacement, seeded.
func (s *Set) Sample(n int, seed int64) *Set {
	if n <= 0 || n >= s.Len() {
		return s
	}
	p := NewRand(seed, 2).Perm(s.Len())[:n]
	return s.Subset(p)
}

// PerClass draws n images of every class, seeded; n = 0 keeps every image.
// The draw for a given seed and n is a fixed set, whatever uses it.
func (s *Set) PerClass(n int, seed int64, classes []string) (*Set, error) {
	if n == 0 {
		return s, nil
	}
	idx, err := s.PerClassIndices(n, seed, classes)
	if err != nil {
		return nil, err
	}
	return s.Subset(idx), nil
}

// PerClassIndices is PerClass's draw as indices into s: class by class,
// each class's n in a seeded shuffled order; n = 0 is every index. A class
// with fewer than n images is an error naming it.
func (s *Set) PerClassIndices(n int, seed int64, classes []string) ([]int, error) {
	if n == 0 {
		idx := make([]int, s.Len())
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	byClass := make([][]int, len(classes))
	for _, i := range NewRand(seed, 3).Perm(s.Len()) {
		byClass[s.Labels[i]] = append(byClass[s.Labels[i]], i)
	}
	var idx []int
	for c, ix := range byClass {
		if len(ix) < n {
			return nil, fmt.Errorf("class %q has %d training images, fewer than the %d per class asked for (finetune.labels_per_class); ask for %d at most",
				classes[c], len(ix), n, minLen(byClass))
		}
		idx = append(idx, ix[:n]...)
	}
	return idx, nil
}

// FromBytes converts raw IDX pixels and labels into a Set.
func FromBytes(pixels, labels []byte) *Set {
	s := &Set{Images: make([]float32, len(pixels)), Labels: make([]int, len(labels))}
	for i, p := range pixels {
		s.Images[i] = float32(p) / 255
	}
	for i, l := range labels {
		s.Labels[i] = int(l)
	}
	return s
}

// LoadSet reads one images file and its labels file from dir and checks that
// their counts agree.
func LoadSet(dir, images, labels string) (*Set, error) {
	ip, ok := findFile(dir, images)
	if !ok {
		return nil, fmt.Errorf("%s: %s[.gz] not found; %s", dir, images, InstallHint)
	}
	lp, ok := findFile(dir, labels)
	if !ok {
		return nil, fmt.Errorf("%s: %s[.gz] not found; %s", dir, labels, InstallHint)
	}
	im, err := ReadImages(ip)
	if err != nil {
		return nil, err
	}
	lb, err := ReadLabels(lp)
	if err != nil {
		return nil, err
	}
	if im.Dims[0] != lb.Dims[0] {
		return nil, fmt.Errorf("%s holds %d images but %s holds %d labels; they must agree",
			filepath.Base(ip), im.Dims[0], filepath.Base(lp), lb.Dims[0])
	}
	return FromBytes(im.Data, lb.Data), nil
}

// Load reads the training and test sets from dir.
func Load(dir string) (train, test *Set, err error) {
	if train, err = LoadSet(dir, Files[0].Name, Files[1].Name); err != nil {
		return nil, nil, err
	}
	if test, err = LoadSet(dir, Files[2].Name, Files[3].Name); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func minLen(groups [][]int) int {
	m := -1
	for _, g := range groups {
		if m < 0 || len(g) < m {
			m = len(g)
		}
	}
	return m
}
