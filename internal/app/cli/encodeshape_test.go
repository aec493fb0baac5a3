package cli

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/model"
)

// savedModel saves a model of spec, after one training step on two black
// images (which makes its variables), as dir's model checkpoint and loads
// its encoder.
func savedModel(t *testing.T, spec model.Spec) (string, *encoder.Encoder) {
	t.Helper()
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	o := engine.DefaultOptions()
	o.Spec = spec
	e, err := engine.New(be, o)
	if err != nil {
		t.Fatal(err)
	}
	sh := data.Shape(spec.Input)
	if _, err := e.TrainStep(engine.Images(sh, make([]float32, 2*sh.Values()))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := engine.SaveModel(e, layout.At(dir).ModelCheckpoint()); err != nil {
		t.Fatal(err)
	}
	enc, err := encoder.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, enc
}

// TestEncodeConvertsToTheEncodersInput: `hourglass encode` reads its input
// at the encoder's input shape and says what it converted. A grey model
// given colour PNG files whose red, green and blue are equal (luminance v)
// encodes them as the grey images of v; a colour model given grey PNG
// files encodes them as their value in all three channels. Both are
// compared with the encoder applied to those values directly.
func TestEncodeConvertsToTheEncodersInput(t *testing.T) {
	const n = 6
	for _, tc := range []struct {
		name        string
		spec        model.Spec
		file        func(i int) image.Image
		want        func(i int) []float32 // image i as the model takes it
		takes, kind string
	}{
		{"colour files, grey model", model.Paper(), func(i int) image.Image {
			img := image.NewNRGBA(image.Rect(0, 0, 28, 28))
			for p := range 28 * 28 {
				v := uint8(p*3 + i*40)
				img.SetNRGBA(p%28, p/28, color.NRGBA{v, v, v, 255})
			}
			return img
		}, func(i int) []float32 {
			out := make([]float32, 28*28)
			for p := range out {
				out[p] = float32(uint8(p*3+i*40)) / 255
			}
			return out
		}, "28x28 grey", "28x28 colour"},
		{"grey files, colour model", model.Spec{Kind: model.KindAE, Input: [3]int{16, 16, 3}, Filters: []int{4, 8}}, func(i int) image.Image {
			img := image.NewGray(image.Rect(0, 0, 16, 16))
			for p := range img.Pix {
				img.Pix[p] = uint8(p*5 + i*30)
			}
			return img
		}, func(i int) []float32 {
			out := make([]float32, 16*16*3)
			for p := range 16 * 16 {
				v := float32(uint8(p*5+i*30)) / 255
				out[3*p], out[3*p+1], out[3*p+2] = v, v, v
			}
			return out
		}, "16x16 colour", "16x16 grey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, enc := savedModel(t, tc.spec)
			in := t.TempDir()
			var want []float32
			for i := range n {
				create(t, filepath.Join(in, fmt.Sprintf("%d.png", i)), func(w io.Writer) error { return png.Encode(w, tc.file(i)) })
				want = append(want, tc.want(i)...)
			}
			out := filepath.Join(t.TempDir(), "codes.npy")
			msg, err := run0(t, "encode", "--quiet", "--from", from, "--input", in, "--output", out, "--batch", "4")
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "encode", msg, "the encoder takes "+tc.takes+" images",
				fmt.Sprintf("%d of %d images converted: %d images %s -> %s", n, n, n, tc.kind, tc.takes))
			got, err := codes.ReadCodes(out)
			if err != nil {
				t.Fatal(err)
			}
			direct, err := enc.Encode(want)
			if err != nil {
				t.Fatal(err)
			}
			r, c := got.Dims()
			var flat []float32
			for i := range r {
				for j := range c {
					flat = append(flat, float32(got.At(i, j)))
				}
			}
			if r != n || !slices.Equal(flat, direct) {
				t.Errorf("%d codes, differing from the encoder's of the converted images", r)
			}
		})
	}
}

// TestDataAtModelInput: `data verify` reads the data at model.input and
// says what it converted; `data export` writes the converted images
// (colour PNG files for a colour model) and refuses IDX for colour.
func TestDataAtModelInput(t *testing.T) {
	dir := t.TempDir()
	hue := data.SyntheticHue(30, 1)
	if err := data.WriteImages(filepath.Join(dir, "train"), hue.Slice(0, 24), data.HueClasses); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteImages(filepath.Join(dir, "test"), hue.Slice(24, 30), data.HueClasses); err != nil {
		t.Fatal(err)
	}
	src := []string{"--set", "data.source=images", "--set", "data.dir=" + dir, "--set", "data.validation=3", "--set", "reduce.pca_dims=[16]"}
	out, err := run0(t, append([]string{"data", "verify", "--set", "model.input=[24,24,3]"}, src...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	mustContain(t, "data verify", out, "images read as 24x24 colour, the model's input (model.input [24 24 3])",
		"30 of 30 images converted: 30 images 16x16 colour -> 24x24 colour", "images before conversion to 24x24 colour:")
	out, err = run0(t, append([]string{"data", "verify", "--set", "model.input=[16,16,1]"}, src...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	mustContain(t, "data verify", out, "(16x16 grey)", "30 of 30 images converted: 30 images 16x16 colour -> 16x16 grey, by luminance")

	exported := t.TempDir()
	out, err = run0(t, append([]string{"data", "export", "--format", "images", "--output", exported, "--per-class", "2", "--test-per-class", "1",
		"--set", "model.input=[20,20,3]"}, src...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	back, err := data.Open(config.Data{Source: data.SourceImages, Dir: exported}, data.Shape{20, 20, 3}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if back.Train.Len() != 6 || back.Conversion.Converted != 0 || back.Conversion.Kinds["20x20 colour"] != 9 {
		t.Errorf("the exported folder holds %d training images, conversion %+v; want 6, and 9 images of 20x20 colour", back.Train.Len(), back.Conversion)
	}
	out, err = run0(t, append([]string{"data", "export", "--format", "idx", "--output", t.TempDir(), "--per-class", "2",
		"--set", "model.input=[20,20,3]"}, src...)...)
	if err == nil {
		t.Fatalf("idx export of colour images succeeded:\n%s", out)
	}
	mustContain(t, "data export --format idx", err.Error(), "grey images only", "20x20 colour")
}
