package data

import (
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// maxImagePixels bounds an image file's pixels (a 32-megapixel photo):
// decoding takes up to 8 bytes each.
const maxImagePixels = 1 << 25

// ImageExtensions are the file types an image folder may hold.
var ImageExtensions = []string{".png", ".jpg", ".jpeg", ".gif"}

// IsImageFile reports whether name has one of ImageExtensions.
func IsImageFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range ImageExtensions {
		if ext == e {
			return true
		}
	}
	return false
}

// classFolders lists dir's class folders (sorted by name) and the image
// files in each (sorted by name). Hidden entries and files of other types
// are left alone; an image outside a class folder or a class folder
// without images is an error naming it.
func classFolders(dir string) (classes []string, files [][]string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		full := filepath.Join(dir, name)
		if !e.IsDir() {
			if IsImageFile(name) {
				return nil, nil, fmt.Errorf("%s is outside a class folder: put each image in %s/<class>/", full, dir)
			}
			continue
		}
		imgs, err := ListImages(full, false)
		if err != nil {
			return nil, nil, err
		}
		if len(imgs) == 0 {
			return nil, nil, fmt.Errorf("class folder %s holds no images (%s); add some or remove the folder",
				full, strings.Join(ImageExtensions, ", "))
		}
		classes = append(classes, name)
		files = append(files, imgs)
	}
	if len(classes) == 0 {
		return nil, nil, fmt.Errorf("%s has no class folders: want %s/<class>/*.png, one folder per class", dir, dir)
	}
	return classes, files, nil
}

// ListImages lists the image files in dir, sorted, descending into
// subfolders when recursive is set.
func ListImages(dir string, recursive bool) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != dir && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		if IsImageFile(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// DecodeImage reads one image file.
func DecodeImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The header first: decoders allocate the whole image it declares
	// before reading a pixel, so a damaged one could exhaust memory.
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable image (%v); replace or delete it", path, err)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxImagePixels {
		return nil, fmt.Errorf("%s: %dx%d pixels, more than the %d hourglass reads; resize it (to 28x28) or delete it", path, cfg.Width, cfg.Height, maxImagePixels)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable image (%v); replace or delete it", path, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, fmt.Errorf("%s: an empty image; replace or delete it", path)
	}
	return img, nil
}

// DecodeImages decodes files into images of shape to (the zero Shape:
// Grey28), on every core, into dst (len(paths)*to.Values() values),
// counting what was converted. The first unreadable file is the error.
func DecodeImages(paths []string, to Shape, dst []float32) (Conversion, error) {
	to = to.norm()
	n := to.Values()
	var (
		mu   sync.Mutex
		conv = Conversion{Target: to}
		errs = make([]error, len(paths))
	)
	parallel.Range(len(paths), parallel.Workers(), func(lo, hi int) {
		var local Conversion
		for i := lo; i < hi; i++ {
			img, err := DecodeImage(paths[i])
			if err != nil {
				errs[i] = err
				continue
			}
			local.add(kindOf(img), Convert(img, to, dst[i*n:(i+1)*n]))
		}
		mu.Lock()
		conv.merge(local)
		mu.Unlock()
	})
	for _, err := range errs {
		if err != nil {
			return conv, err
		}
	}
	return conv, nil
}

// loadImageFolder reads the images source: dir/train/<class>/ and, when
// present, dir/test/<class>/ whose classes must all be training classes.
func loadImageFolder(dir string, to Shape) (d *Dataset, err error) {
	trainDir, testDir := filepath.Join(dir, "train"), filepath.Join(dir, "test")
	if st, err := os.Stat(trainDir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("data.source images: %s has no train folder; want %s/train/<class>/*.png (and optionally %s/test/<class>/)",
			dir, dir, dir)
	}
	classes, files, err := classFolders(trainDir)
	if err != nil {
		return nil, err
	}
	d = &Dataset{Classes: classes}
	if d.Train, err = decodeClasses(files, nil, to, &d.Conversion); err != nil {
		return nil, err
	}
	if _, err := os.Stat(testDir); errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	testClasses, testFiles, err := classFolders(testDir)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i, c := range classes {
		index[c] = i
	}
	ids := make([]int, len(testClasses))
	for i, c := range testClasses {
		id, ok := index[c]
		if !ok {
			return nil, fmt.Errorf("test class %q (%s) has no training folder in %s; add %s or remove the test folder",
				c, filepath.Join(testDir, c), trainDir, filepath.Join(trainDir, c))
		}
		ids[i] = id
	}
	if d.Test, err = decodeClasses(testFiles, ids, to, &d.Conversion); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeClasses decodes each class's files into one set, class by class;
// ids maps folder positions to class numbers (nil: the position).
func decodeClasses(files [][]string, ids []int, to Shape, conv *Conversion) (*Set, error) {
	var paths []string
	var labels []int
	for c, fs := range files {
		id := c
		if ids != nil {
			id = ids[c]
		}
		for _, f := range fs {
			paths = append(paths, f)
			labels = append(labels, id)
		}
	}
	s := &Set{Images: make([]float32, len(paths)*to.Values()), Labels: labels, Shape: to}
	c, err := DecodeImages(paths, to, s.Images)
	conv.merge(c)
	return s, err
}
