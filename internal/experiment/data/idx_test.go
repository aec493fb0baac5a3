package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSet writes n images and labels as the four-file layout's train pair
// into dir, gzip'd or raw, and returns the Set written.
func writeSet(t *testing.T, dir, images, labels string, n int, gz bool) *Set {
	t.Helper()
	s := Synthetic(n, 7)
	pix := make([]byte, len(s.Images))
	for i, v := range s.Images {
		pix[i] = byte(v*255 + 0.5)
	}
	lab := make([]byte, n)
	for i, l := range s.Labels {
		lab[i] = byte(l)
	}
	ext := ""
	if gz {
		ext = ".gz"
	}
	writeIDX(t, filepath.Join(dir, images+ext), []int{n, Rows, Cols}, pix, gz)
	writeIDX(t, filepath.Join(dir, labels+ext), []int{n}, lab, gz)
	return FromBytes(pix, lab)
}

func writeIDX(t *testing.T, path string, dims []int, payload []byte, gz bool) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteIDX(&buf, dims, payload, gz); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadSetValid(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		want := writeSet(t, dir, "imgs", "labs", 25, gz)
		got, err := LoadSet(dir, "imgs", "labs")
		if err != nil {
			t.Fatalf("gz=%v: %v", gz, err)
		}
		if got.Len() != 25 || len(got.Images) != 25*Pixels {
			t.Fatalf("gz=%v: %d images, %d pixels", gz, got.Len(), len(got.Images))
		}
		for i := range want.Images {
			if got.Images[i] != want.Images[i] {
				t.Fatalf("gz=%v: pixel %d = %v, want %v", gz, i, got.Images[i], want.Images[i])
			}
		}
		for i, v := range got.Images {
			if v < 0 || v > 1 {
				t.Fatalf("pixel %d = %v outside [0,1]", i, v)
			}
		}
	}
}

// header builds a raw IDX header with the given magic and dimensions.
func header(magic uint32, dims ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadIDXErrors(t *testing.T) {
	noise := make([]byte, 2*Pixels)
	for i, v := range Synthetic(2, 3).Images {
		noise[i] = byte(v * 255)
	}
	img := append(header(magicImages, 2, 28, 28), noise...)
	corrupt := gzipBytes(t, img)
	corrupt[len(corrupt)/2] ^= 0xff
	corrupt[len(corrupt)/2+1] ^= 0xff
	cases := []struct {
		name    string
		content []byte
		labels  bool
		want    string
	}{
		{"truncated", img[:len(img)-100], false, "truncated"},
		{"truncated gzip", gzipBytes(t, img[:len(img)-100]), false, "truncated"},
		{"cut-off gzip stream", gzipBytes(t, img)[:400], false, "corrupt gzip stream"},
		{"corrupt gzip stream", corrupt, false, "gzip"},
		{"bad magic", append(header(0x00000903, 2, 28, 28), make([]byte, 2*Pixels)...), false, "bad magic"},
		{"too short", []byte{0, 0}, false, "too short"},
		{"trailing bytes", append(img, 1, 2, 3), false, "past the end"},
		{"billion images", append(header(magicImages, 1_000_000_000, 28, 28), make([]byte, Pixels)...), false, "header says [1000000000 28 28]"},
		{"wrong image size", append(header(magicImages, 1, 32, 32), make([]byte, 1024)...), false, "want [N 28 28]"},
		{"label out of range", append(header(magicLabels, 3), 1, 10, 2), true, "label 10 at index 1 is out of range"},
	}
	for _, tc := range cases {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, tc.content, 0o644); err != nil {
			t.Fatal(err)
		}
		var err error
		if tc.labels {
			_, err = ReadLabels(p)
		} else {
			_, err = ReadImages(p)
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q should name %s and say %q", tc.name, err, p, tc.want)
		}
	}
}

func TestCountsDisagree(t *testing.T) {
	dir := t.TempDir()
	writeIDX(t, filepath.Join(dir, "imgs"), []int{3, Rows, Cols}, make([]byte, 3*Pixels), false)
	writeIDX(t, filepath.Join(dir, "labs"), []int{2}, []byte{0, 1}, false)
	_, err := LoadSet(dir, "imgs", "labs")
	if err == nil || !strings.Contains(err.Error(), "3 images") || !strings.Contains(err.Error(), "2 labels") {
		t.Errorf("err = %v, want a message naming 3 images and 2 labels", err)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := LoadSet(t.TempDir(), "imgs", "labs")
	if err == nil || !strings.Contains(err.Error(), "imgs") || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("err = %v, want the missing name and an install hint", err)
	}
}
