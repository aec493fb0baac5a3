package data_test

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/numpy"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// part is the first n images of a real split, stably sorted by class: the
// order a class-folder layout lists them in.
func part(s *data.Set, n int) *data.Set {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.Labels[idx[a]] < s.Labels[idx[b]] })
	return s.Subset(idx)
}

// toBytes is the IDX file's bytes again (pixels are v/255).
func toBytes(px []float32) []uint8 {
	out := make([]uint8, len(px))
	for i, v := range px {
		out[i] = uint8(v*255 + 0.5)
	}
	return out
}

// writePNGs writes dir/c<label>/<n>.png with Go's own PNG encoder: the
// class folders c0..c9 sort in label order.
func writePNGs(t *testing.T, dir string, s *data.Set) {
	t.Helper()
	for i := range s.Len() {
		sub := filepath.Join(dir, fmt.Sprintf("c%d", s.Labels[i]))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(sub, fmt.Sprintf("%04d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		img := &image.Gray{Pix: toBytes(s.Image(i)), Stride: data.Cols, Rect: image.Rect(0, 0, data.Cols, data.Rows)}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// writeNPY writes images as uint8 [n, 28, 28] and labels as int64 with
// GoMLX's .npy writer (an implementation hourglass's reader does not share).
func writeNPY(t *testing.T, dir, prefix string, s *data.Set) {
	t.Helper()
	labels := make([]int64, s.Len())
	for i, l := range s.Labels {
		labels[i] = int64(l)
	}
	for name, tensor := range map[string]*tensors.Tensor{
		prefix + "_images.npy": tensors.FromFlatDataAndDimensions(toBytes(s.Images), s.Len(), data.Rows, data.Cols),
		prefix + "_labels.npy": tensors.FromFlatDataAndDimensions(labels, s.Len()),
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := numpy.ToNpyWriter(tensor, f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSourcesAgree exports 600 training and 200 test images of the real
// Fashion-MNIST as a PNG folder and as .npy files, reads them back through
// the images and npy sources, and checks pixels, labels and the codes of a
// short pretraining are identical to those read through fashion-mnist.
func TestSourcesAgree(t *testing.T) {
	real, err := data.Open(config.Data{}, data.Grey28, 1, nil)
	if err != nil {
		t.Fatalf("the real Fashion-MNIST is needed: %v", err)
	}
	want := &data.Dataset{Source: data.SourceFashion, Train: part(real.Train, 600), Test: part(real.Test, 200), Classes: real.Classes}

	imgDir, npyDir := t.TempDir(), t.TempDir()
	writePNGs(t, filepath.Join(imgDir, "train"), want.Train)
	writePNGs(t, filepath.Join(imgDir, "test"), want.Test)
	writeNPY(t, npyDir, "train", want.Train)
	writeNPY(t, npyDir, "test", want.Test)
	if err := os.WriteFile(filepath.Join(npyDir, data.NPYClasses), []byte(strings.Join(data.FashionClasses, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default().Data
	cfg.Validation = 100
	var codes [][]float32
	for _, src := range []struct{ source, dir string }{{"", ""}, {data.SourceImages, imgDir}, {data.SourceNPY, npyDir}} {
		got := want
		if src.source != "" {
			c := cfg
			c.Source, c.Dir = src.source, src.dir
			if got, err = data.Open(c, data.Grey28, 1, nil); err != nil {
				t.Fatal(err)
			}
			if got.Conversion.Converted != 0 || got.Conversion.Images != 800 {
				t.Errorf("%s: conversion %+v, want 800 images, none converted", src.source, got.Conversion)
			}
		}
		name := src.source + " source"
		for _, s := range []struct {
			name      string
			got, want *data.Set
		}{{"train", got.Train, want.Train}, {"test", got.Test, want.Test}} {
			if !reflect.DeepEqual(s.got.Labels, s.want.Labels) {
				t.Errorf("%s, %s: labels differ", name, s.name)
			}
			if !reflect.DeepEqual(s.got.Images, s.want.Images) {
				t.Errorf("%s, %s: pixels differ", name, s.name)
			}
		}
		if len(got.Classes) != 10 {
			t.Errorf("%s: %d classes", name, len(got.Classes))
		}
		// The same split policy for all three (a seeded stratified draw), so
		// the same training images in the same order.
		d := *got
		d.Source = data.SourceNPY
		splits, err := data.Split(&d, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, shortPretraining(t, splits))
	}
	for i := 1; i < len(codes); i++ {
		if !reflect.DeepEqual(codes[i], codes[0]) {
			t.Errorf("source %d: the codes of a short pretraining differ from fashion-mnist's", i)
		}
	}
}

// shortPretraining trains one pass over the training split and encodes the
// test images.
func shortPretraining(t *testing.T, splits *data.Splits) []float32 {
	t.Helper()
	c := testutil.TinyConfig(t)
	c.Pretrain.BatchSize = 100
	testutil.Pretrained(t, c, splits)
	enc, err := encoder.Load(c.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := enc.Encode(splits.Test.Images)
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

// TestIDXSourceRemapsLabels: an EMNIST-letters-like set (labels 1..26, no
// 0; 32x32 images) reads as 26 classes numbered from 0, named by their
// original values, every image converted.
func TestIDXSourceRemapsLabels(t *testing.T) {
	dir := t.TempDir()
	const classes, perClass, side = 26, 3, 32
	write := func(name string, dims []int, payload []byte) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := data.WriteIDX(f, dims, payload, strings.HasSuffix(name, ".gz")); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	n := classes * perClass
	px := make([]byte, n*side*side)
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(1 + i%classes)
		for p := range side * side {
			px[i*side*side+p] = byte((i*31 + p) % 256)
		}
	}
	write("emnist-letters-train-images-idx3-ubyte.gz", []int{n, side, side}, px)
	write("emnist-letters-train-labels-idx1-ubyte.gz", []int{n}, labels)
	write("emnist-letters-test-images-idx3-ubyte", []int{classes, side, side}, px[:classes*side*side])
	write("emnist-letters-test-labels-idx1-ubyte", []int{classes}, labels[:classes])
	d, err := data.Open(config.Data{Source: data.SourceIDX, Dir: dir}, data.Grey28, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Classes) != classes || d.Classes[0] != "1" || d.Classes[25] != "26" {
		t.Fatalf("classes %v", d.Classes)
	}
	for i, l := range d.Train.Labels {
		if l != int(labels[i])-1 {
			t.Fatalf("label %d: %d, want %d", i, l, labels[i]-1)
		}
	}
	if d.Conversion.Converted != n+classes || d.Conversion.Kinds["32x32 grey"] != n+classes {
		t.Errorf("conversion %+v", d.Conversion)
	}
}
