package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Stream yields images in order, a batch at a time, so that a data set
// larger than memory can pass through: a folder of image files, a .npy
// file of images or an IDX images file (gzip'd or raw).
type Stream interface {
	// Len is the number of images.
	Len() int
	// Next appends the next n images' values (of Shape) to dst.
	Next(dst []float32, n int) ([]float32, error)
	// Shape is the shape every image is converted to.
	Shape() Shape
	// Name says where image i came from: a file path relative to the
	// folder, or FILE[i].
	Name(i int) string
	// Conversion counts what has been converted so far.
	Conversion() Conversion
	Close() error
}

// OpenStream opens path as a stream of images converted to shape to (the
// zero Shape: Grey28): a folder (searched recursively for image files), a
// .npy file, or an IDX images file.
func OpenStream(path string, to Shape) (Stream, error) {
	to = to.norm()
	if err := to.Validate(); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		files, err := ListImages(path, true)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s holds no images (%s)", path, strings.Join(ImageExtensions, ", "))
		}
		return &folderStream{dir: path, files: files, to: to, conv: Conversion{Target: to}}, nil
	}
	if strings.HasSuffix(strings.ToLower(path), ".npy") {
		r, err := openNPYImages(path, to)
		if err != nil {
			return nil, err
		}
		return &npyStream{r: r}, nil
	}
	return openIDXStream(path, to)
}

// folderStream decodes image files batch by batch.
type folderStream struct {
	dir   string
	files []string
	to    Shape
	next  int
	conv  Conversion
}

func (s *folderStream) Shape() Shape { return s.to }

func (s *folderStream) Len() int { return len(s.files) }

func (s *folderStream) Next(dst []float32, n int) ([]float32, error) {
	if n > len(s.files)-s.next {
		return dst, fmt.Errorf("%s: %d images asked for, %d left", s.dir, n, len(s.files)-s.next)
	}
	from := len(dst)
	dst = append(dst, make([]float32, n*s.to.Values())...)
	c, err := DecodeImages(s.files[s.next:s.next+n], s.to, dst[from:])
	s.conv.merge(c)
	s.next += n
	return dst, err
}

func (s *folderStream) Name(i int) string {
	if rel, err := filepath.Rel(s.dir, s.files[i]); err == nil {
		return rel
	}
	return s.files[i]
}

func (s *folderStream) Conversion() Conversion { return s.conv }
func (s *folderStream) Close() error           { return nil }

// npyStream reads a .npy file's rows batch by batch.
type npyStream struct {
	r *npyImages
}

func (s *npyStream) Shape() Shape { return s.r.to }

func (s *npyStream) Len() int { return s.r.Rows() }

func (s *npyStream) Next(dst []float32, n int) ([]float32, error) {
	return s.r.next(dst, n)
}

func (s *npyStream) Name(i int) string      { return fmt.Sprintf("%s[%d]", filepath.Base(s.r.Path()), i) }
func (s *npyStream) Conversion() Conversion { return s.r.conv }
func (s *npyStream) Close() error           { return s.r.Close() }

// idxStream reads an IDX images file image by image.
type idxStream struct {
	path       string
	f          *os.File
	gz         *gzip.Reader
	r          *bufio.Reader
	n, h, w    int
	to         Shape
	next       int
	buf        []byte
	conv       Conversion
	compressed bool
}

func openIDXStream(path string, to Shape) (Stream, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s := &idxStream{path: path, f: f, to: to, conv: Conversion{Target: to}}
	br := bufio.NewReaderSize(f, 1<<20)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		if s.gz, err = gzip.NewReader(br); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: corrupt gzip header: %w", path, err)
		}
		s.r, s.compressed = bufio.NewReaderSize(s.gz, 1<<20), true
	} else {
		s.r = br
	}
	var hdr [16]byte
	if _, err := io.ReadFull(s.r, hdr[:4]); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: too short for an IDX header; want a folder of images, a .npy file or an IDX images file", path)
	}
	if magic := binary.BigEndian.Uint32(hdr[:4]); magic != magicImages {
		f.Close()
		return nil, fmt.Errorf("%s: magic number 0x%08x is not an IDX images file (0x%08x); want a folder of images, a .npy file or an IDX images file",
			path, magic, magicImages)
	}
	if _, err := io.ReadFull(s.r, hdr[4:16]); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: truncated IDX header", path)
	}
	s.n = int(binary.BigEndian.Uint32(hdr[4:]))
	s.h, s.w = int(binary.BigEndian.Uint32(hdr[8:])), int(binary.BigEndian.Uint32(hdr[12:]))
	// Each dimension is below 2^32, so these products fit a uint64.
	if px := uint64(s.h) * uint64(s.w); px == 0 || px > maxIDXBytes {
		f.Close()
		return nil, fmt.Errorf("%s: images of %dx%d pixels; want 28x28 (or any size up to %d pixels)", path, s.w, s.h, maxIDXBytes)
	}
	if !s.compressed {
		want := 16 + uint64(s.n)*uint64(s.h)*uint64(s.w)
		st, err := f.Stat()
		if err == nil && uint64(st.Size()) != want {
			f.Close()
			return nil, fmt.Errorf("%s: the header says %d images of %dx%d (%d bytes) but the file has %d: truncated or corrupt",
				path, s.n, s.w, s.h, want, st.Size())
		}
	}
	return s, nil
}

func (s *idxStream) Shape() Shape { return s.to }

func (s *idxStream) Len() int { return s.n }

func (s *idxStream) Next(dst []float32, n int) ([]float32, error) {
	if n > s.n-s.next {
		return dst, fmt.Errorf("%s: %d images asked for, %d left", s.path, n, s.n-s.next)
	}
	size, from := s.h*s.w, Shape{s.h, s.w, 1}
	if cap(s.buf) < n*size {
		s.buf = make([]byte, n*size)
	}
	if _, err := io.ReadFull(s.r, s.buf[:n*size]); err != nil {
		return dst, fmt.Errorf("%s: images %d to %d of %d: %w (truncated or corrupt)", s.path, s.next, s.next+n-1, s.n, err)
	}
	at := len(dst)
	dst = append(dst, make([]float32, n*s.to.Values())...)
	if from == s.to {
		for i, p := range s.buf[:n*size] {
			dst[at+i] = float32(p) / 255
		}
	} else {
		convertBytes(s.buf[:n*size], n, from, s.to, dst[at:])
	}
	s.conv.addN(from.String(), n, from != s.to)
	s.next += n
	return dst, nil
}

func (s *idxStream) Name(i int) string      { return fmt.Sprintf("%s[%d]", filepath.Base(s.path), i) }
func (s *idxStream) Conversion() Conversion { return s.conv }

func (s *idxStream) Close() error {
	if s.gz != nil {
		s.gz.Close()
	}
	return s.f.Close()
}
