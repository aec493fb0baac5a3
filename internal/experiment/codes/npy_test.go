package codes

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestNpyRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := mat.NewDense(3, 2, []float64{1, -2.5, 3, 4, 0.125, 6})
	p := filepath.Join(dir, "codes.npy")
	if err := WriteCodes(p, m); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// The header, as NumPy writes it: magic, version, dict with the dtype
	// and shape.
	if !bytes.HasPrefix(raw, []byte("\x93NUMPY")) || !bytes.Contains(raw, []byte("'descr': '<f4'")) || !bytes.Contains(raw, []byte("(3, 2)")) {
		t.Errorf("header: %q", raw[:min(len(raw), 80)])
	}
	got, err := ReadCodes(p)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(got, m) {
		t.Errorf("read %v, wrote %v", mat.Formatted(got), mat.Formatted(m))
	}
	lp := filepath.Join(dir, "labels.npy")
	if err := WriteLabels(lp, []int{3, 1, 9}); err != nil {
		t.Fatal(err)
	}
	l, err := ReadLabels(lp)
	if err != nil || len(l) != 3 || l[0] != 3 || l[2] != 9 {
		t.Errorf("labels %v %v", l, err)
	}
	if _, err := ReadCodes(lp); err == nil {
		t.Error("reading labels as codes: no error")
	}
}

// TestReadFloat32: what WriteCodes writes reads back value for value, and
// files that are no float32 matrix are errors naming the file.
func TestReadFloat32(t *testing.T) {
	dir := t.TempDir()
	m := mat.NewDense(4, 3, []float64{1, -2.5, 3, 4, 0.125, 6, 7, 8, 9, -10, 11, 1e-3})
	p := filepath.Join(dir, "codes.npy")
	if err := WriteCodes(p, m); err != nil {
		t.Fatal(err)
	}
	vals, r, c, err := ReadFloat32(p)
	if err != nil || r != 4 || c != 3 {
		t.Fatalf("%v: %dx%d", err, r, c)
	}
	for i, v := range vals {
		if want := float32(m.RawMatrix().Data[i]); v != want {
			t.Errorf("value %d: %v, want %v", i, v, want)
		}
	}
	lp := filepath.Join(dir, "labels.npy")
	if err := WriteLabels(lp, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ReadFloat32(lp); err == nil || !strings.Contains(err.Error(), lp) || !strings.Contains(err.Error(), "float32") {
		t.Errorf("int64 labels as codes: %v", err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.npy")
	if err := os.WriteFile(cut, raw[:len(raw)-5], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ReadFloat32(cut); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("truncated file: %v", err)
	}
	junk := filepath.Join(dir, "junk.npy")
	if err := os.WriteFile(junk, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ReadFloat32(junk); err == nil || !strings.Contains(err.Error(), "not a NumPy") {
		t.Errorf("junk: %v", err)
	}
}
