package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/numpy"
	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/internal/stage"
	"github.com/hourglass-ml/hourglass/reduce"
)

// create writes the file at path with write, failing the test on any
// error, Close's included.
func create(t *testing.T, path string, write func(io.Writer) error) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func pixelBytes(px []float32) []byte {
	out := make([]byte, len(px))
	for i, v := range px {
		out[i] = uint8(v*255 + 0.5)
	}
	return out
}

// TestEncodeMatchesReduce: `hourglass encode` of the test images, given as
// a .npy file, a folder of PNGs and a gzip'd IDX file, writes exactly the
// codes reduce wrote for them; CSV holds the same values.
func TestEncodeMatchesReduce(t *testing.T) {
	cfg, splits := testutil.PretrainedExperiment(t, 256, 64, 120)
	if _, err := reduce.Run(context.Background(), cfg, stage.Env{Splits: splits}); err != nil {
		t.Fatal(err)
	}
	want, err := codes.ReadCodes(layout.At(cfg.OutputDir).Codes(layout.TestSplit, "autoencoder"))
	if err != nil {
		t.Fatal(err)
	}
	test := splits.Test
	dir := t.TempDir()
	// The inputs, written with other code than hourglass's readers.
	npyIn := filepath.Join(dir, "test.npy")
	create(t, npyIn, func(w io.Writer) error {
		return numpy.ToNpyWriter(tensors.FromFlatDataAndDimensions(pixelBytes(test.Images), test.Len(), 28, 28), w)
	})
	pngIn := filepath.Join(dir, "pngs")
	for i := range test.Len() {
		sub := filepath.Join(pngIn, fmt.Sprintf("part%d", i%2)) // nested, sorted by path
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		create(t, filepath.Join(sub, fmt.Sprintf("%03d.png", i)), func(w io.Writer) error {
			return png.Encode(w, &image.Gray{Pix: pixelBytes(test.Image(i)), Stride: 28, Rect: image.Rect(0, 0, 28, 28)})
		})
	}
	idxIn := filepath.Join(dir, "t10k-images-idx3-ubyte.gz")
	create(t, idxIn, func(w io.Writer) error {
		return data.WriteIDX(w, []int{test.Len(), 28, 28}, pixelBytes(test.Images), true)
	})

	// Rows of the PNG folder come in path order: part0/000, part0/002, ...
	var pngOrder []int
	for p := range 2 {
		for i := p; i < test.Len(); i += 2 {
			pngOrder = append(pngOrder, i)
		}
	}
	for _, tc := range []struct {
		name, input string
		order       []int
		firstName   string
	}{
		{"npy", npyIn, nil, "test.npy[0]"},
		{"png folder", pngIn, pngOrder, filepath.Join("part0", "000.png")},
		{"idx", idxIn, nil, "t10k-images-idx3-ubyte.gz[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "sub", "codes.npy")
			msg, err := run0(t, "encode", "--quiet", "--from", cfg.OutputDir, "--input", tc.input, "--output", out, "--batch", "48")
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "encode", msg, fmt.Sprintf("%d codes of 576 values", test.Len()), "none converted")
			got, err := codes.ReadCodes(out)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(got, reorder(want, tc.order)) {
				t.Error("the codes differ from reduce's")
			}
			names, err := os.ReadFile(filepath.Join(filepath.Dir(out), "codes.files.txt"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(names)), "\n")
			if len(lines) != test.Len() || lines[0] != tc.firstName {
				t.Errorf("codes.files.txt: %d lines starting %q, want %d starting %q", len(lines), lines[0], test.Len(), tc.firstName)
			}
		})
	}
	t.Run("csv", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "codes.csv")
		if _, err := run0(t, "encode", "--quiet", "--from", cfg.OutputDir, "--input", npyIn, "--output", out); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != test.Len()+1 || len(recs[0]) != 577 || recs[0][0] != "input" || recs[1][0] != "test.npy[0]" {
			t.Fatalf("csv: %d rows of %d fields, header %v", len(recs), len(recs[0]), recs[0][:2])
		}
		for i, rec := range recs[1:] {
			for j, s := range rec[1:] {
				v, err := strconv.ParseFloat(s, 32)
				if err != nil || float32(v) != float32(want.At(i, j)) {
					t.Fatalf("row %d value %d: %q, want %v", i, j, s, float32(want.At(i, j)))
				}
			}
		}
	})
}

// reorder picks want's rows in order (nil: as they are).
func reorder(want *mat.Dense, order []int) *mat.Dense {
	if order == nil {
		return want
	}
	_, c := want.Dims()
	out := mat.NewDense(len(order), c, nil)
	for i, r := range order {
		out.SetRow(i, want.RawRowView(r))
	}
	return out
}

func TestEncodeErrors(t *testing.T) {
	cfg, _ := testutil.PretrainedExperiment(t, 64, 8, 8)
	notImages := writeFile(t, "notes.txt", "hello")
	out := filepath.Join(t.TempDir(), "codes.npy")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--from", cfg.OutputDir, "--output", out}, []string{"--input"}},
		{[]string{"--from", cfg.OutputDir, "--input", "/no/such/images", "--output", out}, []string{"--input /no/such/images"}},
		{[]string{"--from", cfg.OutputDir, "--input", notImages, "--output", out}, []string{notImages, "not an IDX images file"}},
		{[]string{"--from", t.TempDir(), "--input", notImages, "--output", out}, []string{"--from"}},
		{[]string{"--from", cfg.OutputDir, "--input", notImages, "--output", out, "--format", "parquet"}, []string{`--format "parquet"`}},
	} {
		_, err := run0(t, append([]string{"encode", "--quiet"}, tc.args...)...)
		if err == nil {
			t.Errorf("%v: no error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %q", tc.args, err, w)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed encode left an output file")
	}
}
