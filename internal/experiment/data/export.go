package data

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/base/npy"
)

// ExportOptions says what part of a dataset to write, and how.
type ExportOptions struct {
	Dir    string
	Format string // "images", "npy" or "idx": the layouts the matching sources read
	// PerClass training and TestPerClass test images of every class
	// (seeded draws; 0 for TestPerClass writes no test split).
	PerClass, TestPerClass int
	// Unlabelled more training images, none of the PerClass ones, written
	// without labels (images: Dir/unlabelled/, npy: Dir/unlabelled.npy).
	Unlabelled int
	Seed       int64
}

// Export writes a seeded part of d in the layout of a data source, for
// trying hourglass on a folder of images and for tests: images of d's
// shape, grey or colour PNG files or .npy arrays ([N, H, W] grey, [N, H,
// W, 3] colour); IDX files hold grey images only.
func Export(d *Dataset, o ExportOptions) error {
	if sh := d.ImageShape(); o.Format == SourceIDX && sh[2] != 1 {
		return fmt.Errorf("export format idx holds grey images only, and these are %s: export as %s or %s, or read the data as grey (model.input's channels 1)",
			sh, SourceImages, SourceNPY)
	}
	train, err := d.Train.PerClassIndices(o.PerClass, o.Seed, d.Classes)
	if err != nil {
		return err
	}
	var test []int
	if o.TestPerClass > 0 {
		if test, err = d.Test.PerClassIndices(o.TestPerClass, o.Seed, d.Classes); err != nil {
			return err
		}
	}
	used := map[int]bool{}
	for _, i := range train {
		used[i] = true
	}
	var pool []int
	for _, i := range NewRand(o.Seed, 7).Perm(d.Train.Len()) {
		if len(pool) == o.Unlabelled {
			break
		}
		if !used[i] {
			pool = append(pool, i)
		}
	}
	if len(pool) < o.Unlabelled {
		return fmt.Errorf("only %d training images are left for an unlabelled pool of %d", len(pool), o.Unlabelled)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	parts := []struct {
		name string
		set  *Set
	}{{"train", d.Train.Subset(train)}, {"test", d.Test.Subset(test)}, {"unlabelled", d.Train.Subset(pool)}}
	for _, p := range parts {
		if p.set.Len() == 0 {
			continue
		}
		var classes []string // nil: write without labels
		if p.name != "unlabelled" {
			classes = d.Classes
		}
		var err error
		switch o.Format {
		case SourceImages:
			err = exportImages(filepath.Join(o.Dir, p.name), p.set, classes)
		case SourceNPY:
			err = exportNPY(o.Dir, p.name, p.set, classes)
		case SourceIDX:
			err = exportIDX(o.Dir, p.name, p.set, classes)
		default:
			return fmt.Errorf("export format %q: want %s, %s or %s", o.Format, SourceImages, SourceNPY, SourceIDX)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bytesOf turns [0, 1] pixels back into bytes.
func bytesOf(px []float32) []byte {
	out := make([]byte, len(px))
	for i, v := range px {
		out[i] = uint8(math.Round(float64(v) * 255))
	}
	return out
}

// FolderName makes a class name safe as a folder name.
func FolderName(class string) string {
	return strings.NewReplacer("/", "-", "\\", "-", ":", "-").Replace(class)
}

// exportImages writes dir/<class>/<n>.png, or dir/<n>.png without classes.
func exportImages(dir string, s *Set, classes []string) error {
	for i := range s.Len() {
		sub := dir
		if classes != nil {
			sub = filepath.Join(dir, FolderName(classes[s.Labels[i]]))
		}
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		img := toImage(s.Image(i), s.ImageShape())
		if err := atomicfile.Write(filepath.Join(sub, fmt.Sprintf("%05d.png", i)), func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
			return err
		}
	}
	return nil
}

// toImage is one image's values as an 8-bit grey or opaque colour image.
func toImage(px []float32, sh Shape) image.Image {
	r := image.Rect(0, 0, sh[1], sh[0])
	b := bytesOf(px)
	if sh[2] == 1 {
		return &image.Gray{Pix: b, Stride: sh[1], Rect: r}
	}
	img := image.NewNRGBA(r)
	for i := range sh[0] * sh[1] {
		copy(img.Pix[4*i:4*i+3], b[3*i:3*i+3])
		img.Pix[4*i+3] = 0xff
	}
	return img
}

// npyDims are the dimensions of n images of shape sh in a .npy file:
// [n, H, W] grey, [n, H, W, 3] colour.
func npyDims(n int, sh Shape) []int {
	if sh[2] == 1 {
		return []int{n, sh[0], sh[1]}
	}
	return []int{n, sh[0], sh[1], sh[2]}
}

// exportNPY writes <part>_images.npy (uint8) and <part>_labels.npy
// (int64), or unlabelled.npy, and classes.txt.
func exportNPY(dir, part string, s *Set, classes []string) error {
	images := filepath.Join(dir, part+"_images.npy")
	if classes == nil {
		images = filepath.Join(dir, part+".npy")
	}
	if err := atomicfile.Write(images, func(w io.Writer) error {
		return npy.WriteArray(w, "|u1", npyDims(s.Len(), s.ImageShape()), bytesOf(s.Images))
	}); err != nil {
		return err
	}
	if classes == nil {
		return nil
	}
	lb := make([]byte, 0, 8*s.Len())
	for _, l := range s.Labels {
		lb = binary.LittleEndian.AppendUint64(lb, uint64(l))
	}
	if err := atomicfile.Write(filepath.Join(dir, part+"_labels.npy"), func(w io.Writer) error {
		return npy.WriteArray(w, "<i8", []int{s.Len()}, lb)
	}); err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, NPYClasses), []byte(strings.Join(classes, "\n")+"\n"))
}

// exportIDX writes MNIST's four gzip'd files (t10k for the test part);
// the unlabelled part is left out, IDX having no place for it.
func exportIDX(dir, part string, s *Set, classes []string) error {
	if classes == nil {
		return nil
	}
	prefix := map[string]string{"train": "train", "test": "t10k"}[part]
	lb := make([]byte, s.Len())
	for i, l := range s.Labels {
		if l > 255 {
			return fmt.Errorf("label %d does not fit an unsigned-byte IDX file", l)
		}
		lb[i] = byte(l)
	}
	if err := atomicfile.Write(filepath.Join(dir, prefix+"-images-idx3-ubyte.gz"), func(w io.Writer) error {
		sh := s.ImageShape()
		return WriteIDX(w, []int{s.Len(), sh[0], sh[1]}, bytesOf(s.Images), true)
	}); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz"), func(w io.Writer) error {
		return WriteIDX(w, []int{s.Len()}, lb, true)
	})
}
