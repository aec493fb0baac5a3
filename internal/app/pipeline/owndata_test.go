package pipeline

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// shape draws a 40x32 colour image of class c (0: a red disc, 1: a blue
// square, 2: green stripes) at a seeded position, on a dark noisy
// background.
func shape(c int, seed int64) image.Image {
	r := data.NewRand(seed, 11)
	img := image.NewRGBA(image.Rect(0, 0, 40, 32))
	cx, cy, size := 12+r.IntN(16), 10+r.IntN(12), 6+r.IntN(4)
	for y := range 32 {
		for x := range 40 {
			n := uint8(r.IntN(40))
			col := color.RGBA{n, n, n, 255}
			dx, dy := x-cx, y-cy
			switch {
			case c == 0 && dx*dx+dy*dy < size*size:
				col = color.RGBA{230, 40, 40, 255}
			case c == 1 && abs(dx) < size && abs(dy) < size:
				col = color.RGBA{40, 60, 230, 255}
			case c == 2 && y%6 < 3 && abs(dx) < 2*size:
				col = color.RGBA{40, 220, 60, 255}
			}
			img.Set(x, y, col)
		}
	}
	return img
}

func abs(x int) int { return max(x, -x) }

func savePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// ownConfig is a quick experiment on data.dir with the source given.
func ownConfig(t *testing.T, source, dir string, validation int) *config.Config {
	cfg := testutil.TinyConfig(t)
	cfg.Data = config.Data{Source: source, Dir: dir, Validation: validation, TestFraction: 0.2}
	cfg.Pretrain.BatchSize = 32
	cfg.Finetune.LabelsPerClass, cfg.Finetune.Seeds, cfg.Finetune.Epochs = []config.LabelCount{3}, 1, 3
	cfg.Finetune.Methods = []config.Method{config.Frozen, config.Scratch}
	cfg.Compare.GolearnCheck = 10
	return cfg
}

// TestOwnImagesWithUnlabelledPool: a folder of 3 classes of 40x32 (wide) colour
// images (converted to 28x28 grey) and an unlabelled pool of 60 more go
// through every stage; the pool is used by pretraining and by nothing
// else, and every per-class figure has 3 classes.
func TestOwnImagesWithUnlabelledPool(t *testing.T) {
	dir, pool := t.TempDir(), t.TempDir()
	names := []string{"disc", "square", "stripes"}
	for c, name := range names {
		for i := range 40 {
			savePNG(t, filepath.Join(dir, "train", name, fmt.Sprintf("%02d.png", i)), shape(c, int64(100*c+i)))
		}
		for i := range 10 {
			savePNG(t, filepath.Join(dir, "test", name, fmt.Sprintf("%02d.png", i)), shape(c, int64(5000+100*c+i)))
		}
	}
	for i := range 60 { // in nested folders, any names
		savePNG(t, filepath.Join(pool, fmt.Sprintf("batch%d", i%3), fmt.Sprintf("img-%d.png", i)), shape(i%3, int64(9000+i)))
	}
	cfg := ownConfig(t, data.SourceImages, dir, 15)
	cfg.Data.Unlabelled = pool
	var log strings.Builder
	if _, err := Run(context.Background(), cfg, Options{Env: stage.Env{Log: &log}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "data: images in "+dir+": 3 classes; 105 training, 15 validation and 30 test images (28x28 grey); 60 unlabelled images for pretraining; 210 of 210 images converted: 210 images 32x40 colour -> 28x28 grey") {
		t.Errorf("the log does not describe the data:\n%s", firstLines(log.String(), 3))
	}
	run := layout.At(cfg.OutputDir)
	cmp, err := results.ReadComparison(run)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Data; d == nil || !reflect.DeepEqual(d.Classes, names) || d.Unlabelled != 60 || !reflect.DeepEqual(d.Test, []int{10, 10, 10}) {
		t.Fatalf("data in results.json: %+v", cmp.Data)
	}
	// The pool: pretraining's alone.
	if p := cmp.Pretrain; p.TrainImages != 105 || p.UnlabelledImages != 60 {
		t.Errorf("pretraining used %d labelled-set and %d unlabelled images, want 105 and 60", p.TrainImages, p.UnlabelledImages)
	}
	if cmp.Reduce.TrainImages != 120 || cmp.TrainImages != 120 || cmp.Queries != 30 {
		t.Errorf("reduce fitted on %d, kNN on %d neighbours and %d queries; want the 120 labelled training images and 30 test images",
			cmp.Reduce.TrainImages, cmp.TrainImages, cmp.Queries)
	}
	m, err := codes.ReadCodes(run.Codes(layout.TrainSplit, "autoencoder"))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := m.Dims(); r != 120 {
		t.Errorf("reduce wrote %d training codes, want 120 (no pool images)", r)
	}
	for _, r := range cmp.Finetune.Runs {
		if r.TrainImages+r.HeldOutImages != 9 || len(r.Confusion) != 3 {
			t.Errorf("finetune %s trained on %d+%d images with a %d-class confusion matrix; want 9 and 3", r.Method, r.TrainImages, r.HeldOutImages, len(r.Confusion))
		}
	}
	for _, k := range cmp.KNN {
		if len(k.PerClass) != 3 || len(k.Confusion) != 3 || len(k.Confusion[0]) != 3 {
			t.Errorf("%s: per-class figures for %d classes", k.Representation, len(k.PerClass))
		}
	}
	md, err := os.ReadFile(run.ReportMarkdown())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Data", "Source: images in " + dir + ", 3 classes", "| stripes | 35 | 5 | 10 |",
		"| pretrain | 105 | 60 |", "| reduce | 120 | 0 |", "Catmull-Rom", "| disc |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// TestIDX26Classes: an MNIST-like IDX folder of 26 classes (labels 1-26,
// as EMNIST letters) goes through every stage with 26 classes everywhere.
func TestIDX26Classes(t *testing.T) {
	dir := t.TempDir()
	const k = 26
	synth := func(perClass int, seed int64) ([]byte, []byte) {
		r := data.NewRand(seed, 12)
		n := k * perClass
		px, labels := make([]byte, n*data.Pixels), make([]byte, n)
		for i := range n {
			c := i % k
			labels[i] = byte(c + 1)
			img := px[i*data.Pixels : (i+1)*data.Pixels]
			for p := range img {
				img[p] = byte(r.IntN(50))
			}
			// Class c: a bright bar in row band c%13, left or right half.
			row, left := 2+2*(c%13), c < 13
			for y := row; y < row+2; y++ {
				for x := 2; x < 26; x++ {
					if (x < 14) == left {
						img[y*data.Cols+x] = 200 + byte(r.IntN(55))
					}
				}
			}
		}
		return px, labels
	}
	write := func(name string, dims []int, payload []byte) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := data.WriteIDX(f, dims, payload, true); err != nil {
			t.Fatal(err)
		}
	}
	px, labels := synth(12, 1)
	write("train-images-idx3-ubyte.gz", []int{len(labels), 28, 28}, px)
	write("train-labels-idx1-ubyte.gz", []int{len(labels)}, labels)
	px, labels = synth(4, 2)
	write("t10k-images-idx3-ubyte.gz", []int{len(labels), 28, 28}, px)
	write("t10k-labels-idx1-ubyte.gz", []int{len(labels)}, labels)

	cfg := ownConfig(t, data.SourceIDX, dir, 26)
	if _, err := Run(context.Background(), cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	run := layout.At(cfg.OutputDir)
	cmp, err := results.ReadComparison(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Data.Classes) != k || cmp.Data.Classes[0] != "1" || cmp.Data.Classes[k-1] != "26" {
		t.Fatalf("classes %v", cmp.Data.Classes)
	}
	for _, r := range cmp.KNN {
		if len(r.Confusion) != k || len(r.F1) != k {
			t.Errorf("%s: %d-class confusion matrix", r.Representation, len(r.Confusion))
		}
	}
	for _, r := range cmp.Finetune.Runs {
		if r.TrainImages+r.HeldOutImages != 3*k || len(r.Confusion) != k {
			t.Errorf("finetune %s: %d+%d images, %d classes", r.Method, r.TrainImages, r.HeldOutImages, len(r.Confusion))
		}
	}
	if g, err := results.ReadGeneration(run); err != nil || g.Classifier.TrainImages != 12*k-26 {
		t.Errorf("generation: %v, %+v", err, g)
	}
	md, err := os.ReadFile(run.ReportMarkdown())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| 26 | 11 | 1 | 4 |") {
		t.Error("report.md has no row for class 26 in its data table")
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
