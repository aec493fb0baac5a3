package codes

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/base/npy"
)

func npyBytes(descr string, shape []int, payload []byte) []byte {
	var b bytes.Buffer
	if err := npy.WriteArray(&b, descr, shape, payload); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// FuzzReadCodes feeds arbitrary files to ReadCodes, ReadLabels and
// ReadFloat32: no panic, errors name the file, and what is read has the
// size its shape declares.
func FuzzReadCodes(f *testing.F) {
	f.Add(npyBytes("<f4", []int{2, 3}, make([]byte, 24)))
	f.Add(npyBytes("<i8", []int{3}, make([]byte, 24)))
	f.Add(npyBytes("<f4", []int{0, 3}, nil))
	f.Add(npyBytes("<f4", []int{3, 0}, nil))
	f.Add(npyBytes("<f4", []int{2, 3}, make([]byte, 20))) // truncated
	f.Add(npyBytes("<f4", []int{1 << 40, 1 << 40}, nil))
	f.Add(npyBytes("<f4", []int{4, 1}, make([]byte, 16)))
	f.Add([]byte(strings.Replace(string(npyBytes("<f4", []int{1, 1}, make([]byte, 4))), "(1, 1)", "(99999999999999999999, 1)", 1)))
	f.Add([]byte("\x93NUMPY\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "codes.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		named := func(what string, err error) bool {
			if err != nil && !strings.Contains(err.Error(), p) {
				t.Fatalf("%s: error does not name %s: %v", what, p, err)
			}
			return err == nil
		}
		m, err := ReadCodes(p)
		if named("ReadCodes", err) {
			r, c := m.Dims()
			if len(m.RawMatrix().Data) != r*c {
				t.Fatalf("ReadCodes: %dx%d matrix of %d values", r, c, len(m.RawMatrix().Data))
			}
		}
		_, err = ReadLabels(p)
		named("ReadLabels", err)
		vals, rows, cols, err := ReadFloat32(p)
		if named("ReadFloat32", err) && len(vals) != rows*cols {
			t.Fatalf("ReadFloat32: %d values for %dx%d", len(vals), rows, cols)
		}
	})
}

// TestReadDamagedCodes: empty arrays and shapes larger than their file
// are errors naming the file (GoMLX's reader, used before, panicked on an
// empty array; ReadFloat32 allocated what a header declared, and parsed
// 20-digit dimensions as the largest int).
func TestReadDamagedCodes(t *testing.T) {
	read := map[string]func(string) error{
		"ReadCodes":   func(p string) error { _, err := ReadCodes(p); return err },
		"ReadLabels":  func(p string) error { _, err := ReadLabels(p); return err },
		"ReadFloat32": func(p string) error { _, _, _, err := ReadFloat32(p); return err },
	}
	for _, c := range []struct {
		name, reader string
		file         []byte
	}{
		{"no rows", "ReadCodes", npyBytes("<f4", []int{0, 3}, nil)},
		{"no columns", "ReadCodes", npyBytes("<f4", []int{3, 0}, nil)},
		{"2^80 codes", "ReadCodes", npyBytes("<f4", []int{1 << 40, 1 << 40}, nil)},
		{"2^40 labels", "ReadLabels", npyBytes("<i8", []int{1 << 40}, nil)},
		{"2^40 codes", "ReadFloat32", npyBytes("<f4", []int{1 << 20, 1 << 20}, nil)},
		{"20-digit rows", "ReadFloat32", []byte(strings.Replace(string(npyBytes("<f4", []int{1, 1}, make([]byte, 4))), "(1, 1)", "(99999999999999999999, 1)", 1))},
	} {
		p := filepath.Join(t.TempDir(), "codes.npy")
		if err := os.WriteFile(p, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := read[c.reader](p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s, %s: %v", c.name, c.reader, err)
		}
	}
}
