package data

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/npy"
	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// The npy source's file names, in data.dir.
const (
	NPYTrainImages = "train_images.npy"
	NPYTrainLabels = "train_labels.npy"
	NPYTestImages  = "test_images.npy"
	NPYTestLabels  = "test_labels.npy"
	NPYClasses     = "classes.txt"
)

// npyImages reads images from a .npy file row by row, converted to shape
// to: shape [N, H, W] or [N, H, W, 1] (grey), [N, H, W, 3] (colour), or
// [N, V] with V the values of one image of shape to, or 784 (28x28 grey);
// uint8 (0-255, divided by 255) or float32/float64 already in [0, 1].
type npyImages struct {
	*npy.Reader
	bytes    bool // uint8 pixels, divided by 255 as the IDX reader does
	from, to Shape
	buf      []float32
	conv     Conversion
}

func openNPYImages(path string, to Shape) (*npyImages, error) {
	to = to.norm()
	r, err := npy.Open(path)
	if err != nil {
		return nil, err
	}
	out := &npyImages{Reader: r, to: to, conv: Conversion{Target: to}}
	sh := r.Shape
	switch {
	case len(sh) == 3:
		out.from = Shape{sh[1], sh[2], 1}
	case len(sh) == 4 && (sh[3] == 1 || sh[3] == 3):
		out.from = Shape{sh[1], sh[2], sh[3]}
	case len(sh) == 2 && sh[1] == to.Values():
		out.from = to
	case len(sh) == 2 && sh[1] == Pixels:
		out.from = Grey28
	}
	if out.from[0] < 1 || out.from[1] < 1 {
		r.Close()
		return nil, fmt.Errorf("%s: shape %v; want [N, height, width] grey images, [N, height, width, 3] colour images, or [N, %d] (flattened %s images) or [N, %d] (flattened 28x28 grey)",
			path, sh, to.Values(), to, Pixels)
	}
	switch {
	case r.Kind() == 'u' && r.ItemSize() == 1:
		out.bytes = true
	case r.Kind() == 'f':
	default:
		r.Close()
		return nil, fmt.Errorf("%s: dtype %s; want uint8 (0-255) or float32/float64 in [0, 1]", path, r.DtypeName())
	}
	return out, nil
}

// next appends the next n images' values, converted, to dst, checking
// float pixels are in [0, 1].
func (r *npyImages) next(dst []float32, n int) ([]float32, error) {
	if r.from == r.to {
		from := len(dst)
		dst, err := r.read(dst, n)
		if err == nil && r.bytes {
			for i := from; i < len(dst); i++ {
				dst[i] /= 255
			}
		}
		if err == nil {
			r.conv.addN(r.from.String(), n, false)
		}
		return dst, err
	}
	var err error
	if r.buf, err = r.read(r.buf[:0], n); err != nil {
		return dst, err
	}
	fv, tv := r.from.Values(), r.to.Values()
	from := len(dst)
	dst = append(dst, make([]float32, n*tv)...)
	parallel.Chunks(n, parallel.Workers(), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			convertPixels(r.buf[i*fv:(i+1)*fv], r.from, r.bytes, r.to, dst[from+i*tv:from+(i+1)*tv])
		}
	})
	r.conv.addN(r.from.String(), n, true)
	return dst, nil
}

// read appends the next n rows' raw values to dst, checking float pixels
// are in [0, 1].
func (r *npyImages) read(dst []float32, n int) ([]float32, error) {
	from := len(dst)
	row := r.Rows() - r.Remaining()
	dst, err := r.Float32(dst, n)
	if err != nil || r.bytes {
		return dst, err
	}
	for i := from; i < len(dst); i++ {
		if v := dst[i]; !(v >= 0 && v <= 1) {
			return dst, fmt.Errorf("%s: image %d has pixel value %v outside [0, 1]; divide uint8 images by 255, or save them as uint8",
				r.Path(), row+(i-from)/r.from.Values(), v)
		}
	}
	return dst, nil
}

// readNPYImages reads a whole .npy file of images, converted to shape to,
// a few thousand rows at a time.
func readNPYImages(path string, to Shape) ([]float32, int, Conversion, error) {
	r, err := openNPYImages(path, to)
	if err != nil {
		return nil, 0, Conversion{}, err
	}
	defer r.Close()
	n := r.Rows()
	px := make([]float32, 0, n*r.to.Values())
	for r.Remaining() > 0 {
		if px, err = r.next(px, min(r.Remaining(), 4096)); err != nil {
			return nil, 0, r.conv, err
		}
	}
	return px, n, r.conv, nil
}

// readNPYLabels reads a .npy file of integer labels, shape [N] or [N, 1].
func readNPYLabels(path string) ([]int, error) {
	r, err := npy.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if sh := r.Shape; !(len(sh) == 1 || len(sh) == 2 && sh[1] == 1) {
		return nil, fmt.Errorf("%s: shape %v; want [N] labels", path, sh)
	}
	if k := r.Kind(); k != 'i' && k != 'u' {
		return nil, fmt.Errorf("%s: dtype %s; want integer labels (int64, int32 or uint8)", path, r.DtypeName())
	}
	vals, err := r.Int64(nil, r.Rows())
	if err != nil {
		return nil, err
	}
	out := make([]int, len(vals))
	for i, v := range vals {
		out[i] = int(v)
	}
	return out, nil
}

// readNPYSet reads one images file and its labels file, whose counts must
// agree.
func readNPYSet(images, labels string, to Shape, conv *Conversion) (*Set, error) {
	px, n, c, err := readNPYImages(images, to)
	if err != nil {
		return nil, err
	}
	conv.merge(c)
	lb, err := readNPYLabels(labels)
	if err != nil {
		return nil, err
	}
	if len(lb) != n {
		return nil, fmt.Errorf("%s holds %d images but %s holds %d labels; they must agree", images, n, labels, len(lb))
	}
	return &Set{Images: px, Labels: lb, Shape: to}, nil
}

// loadNPYFolder reads the npy source: train_images.npy and
// train_labels.npy, optionally the test pair and classes.txt (one class
// name per line, for labels 0 to K-1).
func loadNPYFolder(dir string, to Shape) (*Dataset, error) {
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, f := range []string{NPYTrainImages, NPYTrainLabels} {
		if _, err := os.Stat(p(f)); err != nil {
			return nil, fmt.Errorf("data.source npy: %s is missing; the folder needs %s and %s (optionally %s, %s and %s)",
				p(f), NPYTrainImages, NPYTrainLabels, NPYTestImages, NPYTestLabels, NPYClasses)
		}
	}
	d := &Dataset{}
	var err error
	if d.Train, err = readNPYSet(p(NPYTrainImages), p(NPYTrainLabels), to, &d.Conversion); err != nil {
		return nil, err
	}
	_, ti := os.Stat(p(NPYTestImages))
	_, tl := os.Stat(p(NPYTestLabels))
	switch {
	case ti == nil && tl == nil:
		if d.Test, err = readNPYSet(p(NPYTestImages), p(NPYTestLabels), to, &d.Conversion); err != nil {
			return nil, err
		}
	case ti == nil || tl == nil:
		return nil, fmt.Errorf("data.source npy: %s has only one of %s and %s; give both or neither", dir, NPYTestImages, NPYTestLabels)
	}
	names, err := readClassNames(p(NPYClasses))
	if err != nil {
		return nil, err
	}
	if names == nil {
		d.Classes, err = remapLabels(d.Train, d.Test, p(NPYTrainLabels))
		return d, err
	}
	d.Classes = names
	for _, s := range []struct {
		set  *Set
		file string
	}{{d.Train, p(NPYTrainLabels)}, {d.Test, p(NPYTestLabels)}} {
		if s.set == nil {
			continue
		}
		for i, l := range s.set.Labels {
			if l < 0 || l >= len(names) {
				return nil, fmt.Errorf("%s: label %d at index %d is outside 0-%d, the classes %s names", s.file, l, i, len(names)-1, p(NPYClasses))
			}
		}
	}
	return d, nil
}

// readClassNames reads a classes.txt: one name per line, blank lines at
// the end ignored; nil when the file does not exist.
func readClassNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		names = append(names, strings.TrimSpace(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w; want one class name per line", path, err)
	}
	for len(names) > 0 && names[len(names)-1] == "" {
		names = names[:len(names)-1]
	}
	seen := map[string]int{}
	for i, n := range names {
		if n == "" {
			return nil, fmt.Errorf("%s: line %d is empty; give every class a name", path, i+1)
		}
		if j, dup := seen[n]; dup {
			return nil, fmt.Errorf("%s: class %q on lines %d and %d; names must differ", path, n, j+1, i+1)
		}
		seen[n] = i
	}
	return names, nil
}
