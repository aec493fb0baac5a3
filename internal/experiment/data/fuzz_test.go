package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/base/npy"
)

// fuzzFile writes b as dir/name in a fresh folder and returns its path.
func fuzzFile(t *testing.T, name string, b []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// namesFile fails t unless err (if any) names path.
func namesFile(t *testing.T, what, path string, err error) {
	t.Helper()
	if err != nil && !strings.Contains(err.Error(), path) {
		t.Fatalf("%s: error does not name %s: %v", what, path, err)
	}
}

// drain reads a stream to its end in batches of 7, checking it yields
// Pixels values in [0, 1] per image.
func drain(t *testing.T, s Stream, path string) {
	t.Helper()
	defer s.Close()
	var px []float32
	for left := s.Len(); left > 0; left = s.Len() - len(px)/Pixels {
		n := min(7, left)
		var err error
		if px, err = s.Next(px, n); err != nil {
			namesFile(t, "Stream.Next", path, err)
			return
		}
	}
	if len(px) != s.Len()*Pixels {
		t.Fatalf("%d values for %d images", len(px), s.Len())
	}
	for i, v := range px {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("pixel %d is %v, outside [0, 1]", i, v)
		}
	}
}

func npyBytes(descr string, shape []int, payload []byte) []byte {
	var b bytes.Buffer
	if err := npy.WriteArray(&b, descr, shape, payload); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// FuzzNPYFile feeds arbitrary .npy files to the npy source's image and
// label readers, the unlabelled pool and the .npy stream: no panic, errors
// name the file, and what is read has the count the shape declares.
func FuzzNPYFile(f *testing.F) {
	f.Add(npyBytes("|u1", []int{2, 28, 28}, make([]byte, 2*Pixels)))
	f.Add(npyBytes("<f4", []int{1, Pixels}, make([]byte, 4*Pixels)))
	f.Add(npyBytes("<f8", []int{1, Pixels}, bytes.Repeat([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x7f}, Pixels))) // +Inf pixels
	f.Add(npyBytes("<i8", []int{3}, make([]byte, 24)))
	f.Add(npyBytes("|u1", []int{3, 1}, []byte{1, 2, 3}))
	f.Add(npyBytes("|u1", []int{2, 28, 28}, make([]byte, Pixels))) // truncated
	// 2^60+1 images: the byte count wraps around to 784.
	f.Add(npyBytes("|u1", []int{1<<60 + 1, Pixels}, make([]byte, Pixels)))
	f.Add([]byte("\x93NUMPY\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzFile(t, "a.npy", b)
		px, n, _, err := readNPYImages(p, Grey28)
		namesFile(t, "readNPYImages", p, err)
		if err == nil && len(px) != n*Pixels {
			t.Fatalf("readNPYImages: %d values for %d images", len(px), n)
		}
		labels, err := readNPYLabels(p)
		namesFile(t, "readNPYLabels", p, err)
		if err == nil {
			if r, err := npy.Open(p); err != nil || len(labels) != r.Rows() {
				t.Fatalf("readNPYLabels: %d labels; the file: %v", len(labels), err)
			} else {
				r.Close()
			}
		}
		set, _, err := LoadUnlabelled(p, Grey28)
		namesFile(t, "LoadUnlabelled", p, err)
		if err == nil && len(set.Images) != set.Len()*Pixels {
			t.Fatalf("LoadUnlabelled: %d values for %d images", len(set.Images), set.Len())
		}
		s, err := OpenStream(p, Grey28)
		namesFile(t, "OpenStream", p, err)
		if err == nil {
			drain(t, s, p)
		}
	})
}

// FuzzIDXFile feeds arbitrary files (raw and gzip'd) to the IDX readers
// and the IDX stream: no panic, errors name the file, and what is read
// holds what its dimensions declare.
func FuzzIDXFile(f *testing.F) {
	images := append(header(magicImages, 2, Rows, Cols), make([]byte, 2*Pixels)...)
	f.Add(images)
	f.Add(gzipBytes(f, images))
	f.Add(append(header(magicLabels, 3), 0, 9, 4))
	f.Add(gzipBytes(f, append(header(magicLabels, 3), 0, 9, 4)))
	f.Add(append(header(magicImages, 2, 3, 5), make([]byte, 30)...)) // 3x5 images, converted
	f.Add(images[:len(images)-1])
	f.Add(gzipBytes(f, images)[:40])
	// Images of 2^31 x 2^31 pixels, gzip'd: no file size to check.
	f.Add(gzipBytes(f, header(magicImages, 1, 1<<31, 1<<31)))
	// 2^32-1 images of 2^32-1 x 2^32-1 pixels: 16+n*h*w wraps around.
	f.Add(header(magicImages, 1<<32-1, 1<<32-1, 1<<32-1))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzFile(t, "a-idx3-ubyte", b)
		idx, err := ReadIDXFile(p)
		namesFile(t, "ReadIDXFile", p, err)
		if err == nil {
			n := 1
			for _, d := range idx.Dims {
				n *= d
			}
			if n != len(idx.Data) {
				t.Fatalf("dimensions %v but %d bytes", idx.Dims, len(idx.Data))
			}
		}
		_, err = ReadImages(p)
		namesFile(t, "ReadImages", p, err)
		_, err = ReadLabels(p)
		namesFile(t, "ReadLabels", p, err)
		s, err := OpenStream(p, Grey28)
		namesFile(t, "OpenStream", p, err)
		if err == nil {
			drain(t, s, p)
		}
	})
}

// hugePNG is a 28x28 grey PNG whose header says w x h pixels.
func hugePNG(t testing.TB, w, h uint32) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 28, 28))); err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	// The IHDR chunk: length at 8, type at 12, width and height at 16 and
	// 20, its CRC (of type and data) at 29.
	binary.BigEndian.PutUint32(p[16:], w)
	binary.BigEndian.PutUint32(p[20:], h)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	return p
}

// FuzzImageFile feeds arbitrary files to the image decoder and the 28x28
// conversion: no panic, errors name the file, and every pixel converted
// is in [0, 1].
func FuzzImageFile(f *testing.F) {
	grey := image.NewGray(image.Rect(0, 0, 28, 28))
	colour := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range colour.Pix {
		colour.Pix[i] = uint8(i * 37)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White})
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, grey) },
		func(b *bytes.Buffer) error { return png.Encode(b, colour) },
		func(b *bytes.Buffer) error { return jpeg.Encode(b, colour, nil) },
		func(b *bytes.Buffer) error { return gif.Encode(b, pal, nil) },
	} {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()/2])
	}
	f.Add(hugePNG(f, 1<<20, 1<<20))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzFile(t, "a.png", b)
		dst := make([]float32, Pixels)
		_, err := DecodeImages([]string{p}, Grey28, dst)
		namesFile(t, "DecodeImages", p, err)
		if err != nil {
			return
		}
		for i, v := range dst {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("pixel %d is %v, outside [0, 1]", i, v)
			}
		}
	})
}

// TestOpenStreamRefusesHugeImages: IDX headers declaring images past
// maxIDXBytes pixels are errors naming the file (a gzip'd one used to
// panic allocating an image of 2^62 bytes; a raw one's byte count could
// wrap around).
func TestOpenStreamRefusesHugeImages(t *testing.T) {
	for _, c := range []struct {
		name string
		file []byte
	}{
		{"gzip'd 2^31 x 2^31", gzipBytes(t, header(magicImages, 1, 1<<31, 1<<31))},
		{"raw 2^31 x 2^31", header(magicImages, 1, 1<<31, 1<<31)},
		{"raw (2^32-1)^3", header(magicImages, 1<<32-1, 1<<32-1, 1<<32-1)},
		{"zero width", header(magicImages, 1, 5, 0)},
	} {
		p := fuzzFile(t, "a-idx3-ubyte", c.file)
		s, err := OpenStream(p, Grey28)
		if err == nil {
			s.Close()
			t.Errorf("%s: opened", c.name)
			continue
		}
		if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "pixels") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestDecodeImageRefusesHugeHeaders: an image whose header declares more
// than maxImagePixels is an error naming the file (a 100-byte PNG
// declaring 2^20 x 2^20 pixels used to kill the process: out of memory).
func TestDecodeImageRefusesHugeHeaders(t *testing.T) {
	for _, c := range []struct{ w, h uint32 }{{1 << 20, 1 << 20}, {1 << 13, 1<<12 + 1}} {
		p := fuzzFile(t, "a.png", hugePNG(t, c.w, c.h))
		_, err := DecodeImage(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "resize it") {
			t.Errorf("%dx%d: %v", c.w, c.h, err)
		}
	}
}

// TestReadClassNamesLongLine: a classes.txt line past the scanner's 64 KiB
// is an error naming the file (it used to be bufio's "token too long"
// alone).
func TestReadClassNamesLongLine(t *testing.T) {
	p := fuzzFile(t, NPYClasses, []byte("shirt\n"+strings.Repeat("x", 70000)+"\n"))
	if _, err := readClassNames(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("a 70,000-byte line: %v", err)
	}
}
