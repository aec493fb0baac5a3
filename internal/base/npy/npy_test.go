package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/numpy"
)

// writeWith writes t with GoMLX's own .npy writer: an independent
// implementation of the format to read back.
func writeWith(t *testing.T, name string, tensor *tensors.Tensor) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := numpy.ToNpyWriter(tensor, f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// closeReader closes r at the end of a test, failing it on an error.
func closeReader(t *testing.T, r *Reader) {
	t.Helper()
	if err := r.Close(); err != nil {
		t.Error(err)
	}
}

func TestReadsEveryDtype(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tensor *tensors.Tensor
		want   []float32
	}{
		{"uint8", tensors.FromFlatDataAndDimensions([]uint8{0, 7, 255, 128, 1, 2}, 2, 3), []float32{0, 7, 255, 128, 1, 2}},
		{"int8", tensors.FromFlatDataAndDimensions([]int8{-128, 127, 0, -1}, 4), []float32{-128, 127, 0, -1}},
		{"int16", tensors.FromFlatDataAndDimensions([]int16{-300, 300}, 2), []float32{-300, 300}},
		{"uint16", tensors.FromFlatDataAndDimensions([]uint16{65535, 3}, 2), []float32{65535, 3}},
		{"int32", tensors.FromFlatDataAndDimensions([]int32{-70000, 5}, 2, 1), []float32{-70000, 5}},
		{"int64", tensors.FromFlatDataAndDimensions([]int64{-9, 1 << 40}, 2), []float32{-9, 1 << 40}},
		{"float32", tensors.FromFlatDataAndDimensions([]float32{0.25, -1.5, 3e-8, 1}, 2, 2), []float32{0.25, -1.5, 3e-8, 1}},
		{"float64", tensors.FromFlatDataAndDimensions([]float64{0.1, 0.9}, 1, 2), []float32{0.1, 0.9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(writeWith(t, tc.name+".npy", tc.tensor))
			if err != nil {
				t.Fatal(err)
			}
			defer closeReader(t, r)
			dims := tc.tensor.Shape().Dimensions
			if r.Rows() != dims[0] || r.DtypeName() != tc.name {
				t.Fatalf("rows %d dtype %s, want %d %s", r.Rows(), r.DtypeName(), dims[0], tc.name)
			}
			// Two reads: the first row, then the rest.
			got, err := r.Float32(nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got, err = r.Float32(got, r.Remaining()); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d values, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("value %d: %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestInt64RefusesFloats(t *testing.T) {
	r, err := Open(writeWith(t, "f.npy", tensors.FromFlatDataAndDimensions([]float32{1, 2}, 2)))
	if err != nil {
		t.Fatal(err)
	}
	defer closeReader(t, r)
	if _, err := r.Int64(nil, 2); err == nil || !strings.Contains(err.Error(), "want integers") {
		t.Errorf("error %v", err)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	vals := []float32{1, 2, 3, 4, 5, 6}
	if err := w.Write(vals[:4]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil {
		t.Error("closing after 4 of 6 values did not fail")
	}
	if err := w.Write(vals[4:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(vals[:1]); err == nil {
		t.Error("a seventh value did not fail")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if (b.Len()-4*len(vals))%64 != 0 {
		t.Errorf("the data starts at byte %d, not on a 64-byte boundary", b.Len()-4*len(vals))
	}
	// GoMLX's reader, an independent one, reads it back.
	got, err := numpy.FromNpyReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Shape().Dimensions; len(d) != 2 || d[0] != 3 || d[1] != 2 {
		t.Fatalf("shape %v", d)
	}
	for i, v := range tensors.MustCopyFlatData[float32](got) {
		if v != vals[i] {
			t.Errorf("value %d: %v", i, v)
		}
	}
}

func TestBadFiles(t *testing.T) {
	good := writeWith(t, "g.npy", tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 2, 2))
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fortran := bytes.Replace(raw, []byte("'fortran_order': False"), []byte("'fortran_order': True "), 1)
	object := bytes.Replace(raw, []byte("'<f4'"), []byte("'|O8'"), 1)
	for _, tc := range []struct{ name, path, want string }{
		{"truncated", write("t.npy", raw[:len(raw)-3]), "truncated or corrupt"},
		{"not npy", write("n.npy", []byte("hello, world, this is text")), "no \\x93NUMPY magic"},
		{"fortran", write("f.npy", fortran), "Fortran order"},
		{"object dtype", write("o.npy", object), "not a plain number type"},
		{"empty", write("e.npy", nil), "not a NumPy .npy file (too short"},
	} {
		_, err := Open(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: error %v, want one naming the file and saying %q", tc.name, err, tc.want)
		}
	}
}
