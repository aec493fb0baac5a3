package data

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/base/npy"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// writeFile writes b to dir/name, making folders.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writePNG writes a small grey PNG of value v.
func writePNG(t *testing.T, dir, name string, v uint8) string {
	t.Helper()
	p := writeFile(t, dir, name, nil)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	img.SetGray(0, 0, color.Gray{Y: 255 - v})
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeArray writes an .npy array of the given dtype and shape.
func writeArray(t *testing.T, dir, name, descr string, shape []int, payload []byte) string {
	t.Helper()
	p := writeFile(t, dir, name, nil)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.WriteArray(f, descr, shape, payload); err != nil {
		t.Fatal(err)
	}
	return p
}

// imageFolder makes dir/train/{a,b}/ with n images each.
func imageFolder(t *testing.T, n int) string {
	dir := t.TempDir()
	for _, c := range []string{"a", "b"} {
		for i := range n {
			writePNG(t, dir, filepath.Join("train", c, string(rune('0'+i))+".png"), uint8(40*i))
		}
	}
	return dir
}

// npyFolder makes a valid npy source of n images in two classes.
func npyFolder(t *testing.T, n int) string {
	dir := t.TempDir()
	writeArray(t, dir, NPYTrainImages, "|u1", []int{n, 28, 28}, make([]byte, n*Pixels))
	lb := make([]byte, 8*n)
	for i := range n {
		lb[8*i] = byte(i % 2)
	}
	writeArray(t, dir, NPYTrainLabels, "<i8", []int{n}, lb)
	return dir
}

func TestBadData(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T) config.Data
		want []string // the error must hold each
	}{
		{"corrupt image", func(t *testing.T) config.Data {
			dir := imageFolder(t, 3)
			writeFile(t, dir, "train/b/broken.png", []byte("this is not a PNG"))
			return config.Data{Source: SourceImages, Dir: dir}
		}, []string{"broken.png", "not a readable image"}},
		{"truncated image", func(t *testing.T) config.Data {
			dir := imageFolder(t, 3)
			p := filepath.Join(dir, "train", "a", "0.png")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			return config.Data{Source: SourceImages, Dir: dir}
		}, []string{"0.png", "not a readable image"}},
		{"empty class folder", func(t *testing.T) config.Data {
			dir := imageFolder(t, 3)
			if err := os.MkdirAll(filepath.Join(dir, "train", "c"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "train/c/notes.txt", []byte("no images here"))
			return config.Data{Source: SourceImages, Dir: dir}
		}, []string{filepath.Join("train", "c"), "holds no images"}},
		{"test class missing from training", func(t *testing.T) config.Data {
			dir := imageFolder(t, 3)
			writePNG(t, dir, "test/a/0.png", 1)
			writePNG(t, dir, "test/zebra/0.png", 1)
			return config.Data{Source: SourceImages, Dir: dir}
		}, []string{`test class "zebra"`, "has no training folder"}},
		{"no train folder", func(t *testing.T) config.Data {
			return config.Data{Source: SourceImages, Dir: t.TempDir()}
		}, []string{"has no train folder", "train/<class>/"}},
		{"image outside a class folder", func(t *testing.T) config.Data {
			dir := imageFolder(t, 3)
			writePNG(t, dir, "train/stray.png", 1)
			return config.Data{Source: SourceImages, Dir: dir}
		}, []string{"stray.png", "outside a class folder"}},
		{"one class", func(t *testing.T) config.Data {
			dir := t.TempDir()
			for i := range 4 {
				writePNG(t, dir, filepath.Join("train", "only", string(rune('0'+i))+".png"), 1)
			}
			return config.Data{Source: SourceImages, Dir: dir}
		}, []string{"1 class", "at least 2"}},
		{"folder missing", func(t *testing.T) config.Data {
			return config.Data{Source: SourceImages, Dir: filepath.Join(t.TempDir(), "nowhere")}
		}, []string{"data.dir", "nowhere", "not a folder", "hourglass data export --format images --output "}},
		{"npy counts disagree", func(t *testing.T) config.Data {
			dir := npyFolder(t, 6)
			writeArray(t, dir, NPYTrainLabels, "<i8", []int{5}, make([]byte, 40))
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTrainImages, "6 images", "5 labels"}},
		{"npy images of a wrong dtype", func(t *testing.T) config.Data {
			dir := npyFolder(t, 4)
			writeArray(t, dir, NPYTrainImages, "<i8", []int{4, 784}, make([]byte, 8*4*784))
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTrainImages, "dtype int64", "want uint8"}},
		{"npy images of a wrong shape", func(t *testing.T) config.Data {
			dir := npyFolder(t, 4)
			writeArray(t, dir, NPYTrainImages, "|u1", []int{4, 32, 32, 2}, make([]byte, 4*32*32*2))
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTrainImages, "shape [4 32 32 2]", "[N, height, width, 3] colour"}},
		{"npy flat images of a wrong length", func(t *testing.T) config.Data {
			dir := npyFolder(t, 4)
			writeArray(t, dir, NPYTrainImages, "|u1", []int{4, 1000}, make([]byte, 4*1000))
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTrainImages, "shape [4 1000]", "[N, 784]"}},
		{"npy pixels outside [0, 1]", func(t *testing.T) config.Data {
			dir := npyFolder(t, 2)
			px := make([]byte, 4*2*Pixels)
			px[4*(Pixels+5)+3] = 0x43 // image 1, pixel 5: 128.0 as float32
			writeArray(t, dir, NPYTrainImages, "<f4", []int{2, 784}, px)
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTrainImages, "image 1", "outside [0, 1]"}},
		{"npy float labels", func(t *testing.T) config.Data {
			dir := npyFolder(t, 2)
			writeArray(t, dir, NPYTrainLabels, "<f4", []int{2}, make([]byte, 8))
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTrainLabels, "float32", "integer labels"}},
		{"npy label beyond classes.txt", func(t *testing.T) config.Data {
			dir := npyFolder(t, 4)
			writeFile(t, dir, NPYClasses, []byte("cat\n"))
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTrainLabels, "label 1", NPYClasses}},
		{"npy only one test file", func(t *testing.T) config.Data {
			dir := npyFolder(t, 4)
			writeArray(t, dir, NPYTestImages, "|u1", []int{1, 784}, make([]byte, 784))
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTestImages, NPYTestLabels, "both or neither"}},
		{"npy truncated", func(t *testing.T) config.Data {
			dir := npyFolder(t, 4)
			p := filepath.Join(dir, NPYTrainImages)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b[:len(b)-100], 0o644); err != nil {
				t.Fatal(err)
			}
			return config.Data{Source: SourceNPY, Dir: dir}
		}, []string{NPYTrainImages, "truncated or corrupt"}},
		{"idx counts disagree", func(t *testing.T) config.Data {
			dir := t.TempDir()
			for name, dims := range map[string][]int{
				"train-images-idx3-ubyte": {4, 28, 28}, "train-labels-idx1-ubyte": {3},
				"t10k-images-idx3-ubyte": {2, 28, 28}, "t10k-labels-idx1-ubyte": {2},
			} {
				n := 1
				for _, d := range dims {
					n *= d
				}
				writeIDX(t, filepath.Join(dir, name), dims, make([]byte, n), false)
			}
			return config.Data{Source: SourceIDX, Dir: dir}
		}, []string{"train-images-idx3-ubyte", "4 images", "3 labels"}},
		{"idx file missing", func(t *testing.T) config.Data {
			return config.Data{Source: SourceIDX, Dir: t.TempDir()}
		}, []string{"no training images file", "train-images-idx3-ubyte.gz"}},
		{"unlabelled pool missing", func(t *testing.T) config.Data {
			return config.Data{Source: SourceImages, Dir: imageFolder(t, 3), Unlabelled: "/no/such/pool", TestFraction: 0.34}
		}, []string{"data.unlabelled", "/no/such/pool"}},
		{"too few images to hold out a test split", func(t *testing.T) config.Data {
			return config.Data{Source: SourceImages, Dir: imageFolder(t, 1), TestFraction: 0.5}
		}, []string{`class "a"`, "data.test_fraction"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prepare(tc.make(t), Grey28, 1, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestColourFolderMissing: a colour model's missing image folder points
// at the colour example's command, not at Fashion-MNIST's export.
func TestColourFolderMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hue")
	_, err := Prepare(config.Data{Source: SourceImages, Dir: dir}, HueShape, 1, nil)
	if err == nil || !strings.Contains(err.Error(), "hourglass data hue "+dir) || strings.Contains(err.Error(), "data export") {
		t.Errorf("err = %v, want one suggesting hourglass data hue %s", err, dir)
	}
}

// TestTooManyLabelsPerClass names the class that runs short.
func TestTooManyLabelsPerClass(t *testing.T) {
	s := &Set{Images: make([]float32, 7*Pixels), Labels: []int{0, 0, 0, 0, 1, 1, 1}}
	_, err := s.PerClassIndices(4, 1, []string{"cat", "dog"})
	if err == nil || !strings.Contains(err.Error(), `class "dog" has 3 training images`) || !strings.Contains(err.Error(), "3 at most") {
		t.Errorf("error %v", err)
	}
}

// TestDrawnTestSplit: without a test folder, data.test_fraction of each
// class is held out, seeded, and the two parts share no image.
func TestDrawnTestSplit(t *testing.T) {
	dir := imageFolder(t, 8)
	d, err := Open(config.Data{Source: SourceImages, Dir: dir, TestFraction: 0.25}, Grey28, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !d.TestDrawn || d.Train.Len() != 12 || d.Test.Len() != 4 {
		t.Fatalf("train %d, test %d, drawn %v; want 12, 4, true", d.Train.Len(), d.Test.Len(), d.TestDrawn)
	}
	if c := d.Test.ClassCounts(2); c[0] != 2 || c[1] != 2 {
		t.Errorf("test per class %v, want [2 2]", c)
	}
	again, err := Open(config.Data{Source: SourceImages, Dir: dir, TestFraction: 0.25}, Grey28, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Test.Images, d.Test.Images) {
		t.Error("the same seed drew another test split")
	}
}
