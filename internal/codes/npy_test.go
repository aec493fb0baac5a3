package codes

import (
	"bytes"
	"os"
	"path/filepath"
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
	raw, _ := os.ReadFile(p)
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
