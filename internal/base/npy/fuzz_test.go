package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// npyOf is a whole .npy file: header and payload.
func npyOf(descr string, shape []int, payload []byte) []byte {
	var b bytes.Buffer
	if err := WriteArray(&b, descr, shape, payload); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// FuzzOpen feeds arbitrary files to Open and reads every row: no panic,
// errors name the file, and a file that opens yields as many values as
// its shape holds.
func FuzzOpen(f *testing.F) {
	f.Add(npyOf("<f4", []int{2, 3}, make([]byte, 24)))
	f.Add(npyOf("|u1", []int{4}, []byte{1, 2, 3, 4}))
	f.Add(npyOf("<i8", []int{1, 1}, make([]byte, 8)))
	f.Add(npyOf(">i2", []int{}, []byte{1, 2}))
	f.Add(npyOf("|b1", []int{2, 0}, nil))
	f.Add(npyOf("<f8", []int{3}, make([]byte, 20))) // truncated
	// 2^60+1 rows of 16 bytes: the byte count wraps around to 16.
	f.Add(npyOf("|u1", []int{1<<60 + 1, 16}, make([]byte, 16)))
	// No rows, but rows of 2^80 values.
	f.Add(npyOf("|u1", []int{0, 1 << 40, 1 << 40}, nil))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "a.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name %s: %v", p, err)
			}
			return
		}
		defer r.Close()
		// Rows of no values are read all at once, others in batches.
		batch := r.Remaining()
		if r.RowLen() > 0 {
			batch = max(1, 4096/r.RowLen())
		}
		var vals []float32
		for r.Remaining() > 0 {
			if vals, err = r.Float32(vals, min(batch, r.Remaining())); err != nil {
				t.Fatalf("%s opened but reading failed: %v", p, err)
			}
		}
		if len(vals) != r.Len() {
			t.Fatalf("shape %v: read %d values, want %d", r.Shape, len(vals), r.Len())
		}
	})
}

// TestOpenRefusesWrappingShapes: shapes whose byte count passes 2^63 are
// corrupt headers (they used to wrap around to a short file's size and
// open, promising 2^60 rows).
func TestOpenRefusesWrappingShapes(t *testing.T) {
	for _, c := range []struct {
		descr   string
		shape   []int
		payload int // bytes the wrapped count comes to
	}{
		{"|u1", []int{1<<60 + 1, 16}, 16},      // 2^64 + 16 bytes
		{"<f4", []int{1 << 62, 1}, 0},          // 2^64 bytes
		{"|u1", []int{0, 1 << 40, 1 << 40}, 0}, // rows of 2^80 values
	} {
		p := filepath.Join(t.TempDir(), "a.npy")
		if err := os.WriteFile(p, npyOf(c.descr, c.shape, make([]byte, c.payload)), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p)
		if err == nil {
			r.Close()
			t.Errorf("shape %v opened", c.shape)
			continue
		}
		if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "too large") {
			t.Errorf("shape %v: %v", c.shape, err)
		}
	}
}
