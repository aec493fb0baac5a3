package data

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// idxRoles are the four files of an MNIST-like folder.
var idxRoles = []struct {
	name        string
	split, kind []string // words the file name must hold, one of each list
}{
	{"training images", []string{"train"}, []string{"images", "idx3"}},
	{"training labels", []string{"train"}, []string{"labels", "idx1"}},
	{"test images", []string{"t10k", "test"}, []string{"images", "idx3"}},
	{"test labels", []string{"t10k", "test"}, []string{"labels", "idx1"}},
}

// findIDXFiles finds the four files in dir by their names (MNIST's
// train-images-idx3-ubyte[.gz] and the like, EMNIST's
// emnist-letters-train-images-idx3-ubyte...).
func findIDXFiles(dir string) ([4]string, error) {
	var out [4]string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out, fmt.Errorf("data.source idx: %w", err)
	}
	has := func(name string, words []string) bool {
		for _, w := range words {
			if strings.Contains(name, w) {
				return true
			}
		}
		return false
	}
	for i, role := range idxRoles {
		var found []string
		for _, e := range entries {
			n := strings.ToLower(e.Name())
			if e.IsDir() || strings.HasPrefix(n, ".") || !has(n, role.split) || !has(n, role.kind) {
				continue
			}
			found = append(found, e.Name())
		}
		switch len(found) {
		case 0:
			return out, fmt.Errorf("data.source idx: no %s file in %s (want a name holding %s and %s, like MNIST's train-images-idx3-ubyte.gz)",
				role.name, dir, strings.Join(role.split, " or "), strings.Join(role.kind, " or "))
		case 1:
			out[i] = filepath.Join(dir, found[0])
		default:
			return out, fmt.Errorf("data.source idx: %d candidates for the %s in %s (%s); keep one", len(found), role.name, dir, strings.Join(found, ", "))
		}
	}
	return out, nil
}

// readIDXImages reads an IDX file of [N, H, W] unsigned-byte images as
// images of shape to, converting other sizes (and to colour).
func readIDXImages(path string, to Shape, conv *Conversion) ([]float32, int, error) {
	idx, err := ReadIDXFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(idx.Dims) != 3 {
		return nil, 0, fmt.Errorf("%s: dimensions %v; want [N, height, width] images", path, idx.Dims)
	}
	n, from := idx.Dims[0], Shape{idx.Dims[1], idx.Dims[2], 1}
	out := make([]float32, n*to.Values())
	if from == to {
		for i, p := range idx.Data {
			out[i] = float32(p) / 255
		}
		conv.addN(from.String(), n, false)
		return out, n, nil
	}
	convertBytes(idx.Data, n, from, to, out)
	conv.addN(from.String(), n, true)
	return out, n, nil
}

// convertBytes converts n images of shape from, 8-bit levels, to shape
// to, into dst, on every core.
func convertBytes(pix []byte, n int, from, to Shape, dst []float32) {
	fv, tv := from.Values(), to.Values()
	parallel.Chunks(n, parallel.Workers(), func(lo, hi int) {
		vals := make([]float32, fv)
		for i := lo; i < hi; i++ {
			for j, p := range pix[i*fv : (i+1)*fv] {
				vals[j] = float32(p)
			}
			convertPixels(vals, from, true, to, dst[i*tv:(i+1)*tv])
		}
	})
}

// readIDXSet reads an images file and its labels file.
func readIDXSet(images, labels string, to Shape, conv *Conversion) (*Set, error) {
	px, n, err := readIDXImages(images, to, conv)
	if err != nil {
		return nil, err
	}
	lb, err := ReadIDXFile(labels)
	if err != nil {
		return nil, err
	}
	if len(lb.Dims) != 1 {
		return nil, fmt.Errorf("%s: dimensions %v; want [N] labels", labels, lb.Dims)
	}
	if lb.Dims[0] != n {
		return nil, fmt.Errorf("%s holds %d images but %s holds %d labels; they must agree", images, n, labels, lb.Dims[0])
	}
	s := &Set{Images: px, Labels: make([]int, n), Shape: to}
	for i, l := range lb.Data {
		s.Labels[i] = int(l)
	}
	return s, nil
}

// loadIDXFolder reads the idx source: any MNIST-like folder of four IDX
// files, its classes the distinct label values.
func loadIDXFolder(dir string, to Shape) (*Dataset, error) {
	files, err := findIDXFiles(dir)
	if err != nil {
		return nil, err
	}
	d := &Dataset{}
	if d.Train, err = readIDXSet(files[0], files[1], to, &d.Conversion); err != nil {
		return nil, err
	}
	if d.Test, err = readIDXSet(files[2], files[3], to, &d.Conversion); err != nil {
		return nil, err
	}
	d.Classes, err = remapLabels(d.Train, d.Test, files[1])
	return d, err
}

// remapLabels numbers the distinct training label values 0 to K-1 in
// increasing order and rewrites both sets' labels; the class names are
// the original values. A test label no training image has is an error.
func remapLabels(train, test *Set, trainFile string) ([]string, error) {
	seen := map[int]bool{}
	for _, l := range train.Labels {
		seen[l] = true
	}
	values := make([]int, 0, len(seen))
	for v := range seen {
		values = append(values, v)
	}
	sort.Ints(values)
	id := map[int]int{}
	names := make([]string, len(values))
	for i, v := range values {
		id[v], names[i] = i, strconv.Itoa(v)
	}
	if test != nil {
		for i, l := range test.Labels {
			if _, ok := id[l]; !ok {
				return nil, fmt.Errorf("test label %d (image %d) appears nowhere in the training labels (%s); a class missing from training cannot be learnt", l, i, trainFile)
			}
		}
		relabel(test, id)
	}
	relabel(train, id)
	return names, nil
}

func relabel(s *Set, id map[int]int) {
	for i, l := range s.Labels {
		s.Labels[i] = id[l]
	}
}
