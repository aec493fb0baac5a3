package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// IDX type codes and the sizes hourglass accepts.
const (
	Rows   = 28
	Cols   = 28
	Pixels = Rows * Cols

	magicImages = 0x00000803 // unsigned bytes, 3 dimensions
	magicLabels = 0x00000801 // unsigned bytes, 1 dimension
	// maxIDXBytes bounds what is read from one (decompressed) file, so a
	// lying header or a gzip bomb cannot exhaust memory.
	maxIDXBytes = 1 << 31 // 2 GiB
)

// IDX is one decoded IDX file: its dimensions, its payload and the SHA-256
// of its decompressed bytes.
type IDX struct {
	Dims   []int
	Data   []byte
	SHA256 string
}

// ReadIDXFile reads an IDX file, gzip'd (detected by content) or raw, and
// checks its header against what the file really holds.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	raw, err := readMaybeGzip(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	idx, err := parseIDX(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return idx, nil
}

func readMaybeGzip(r io.Reader) ([]byte, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	var src io.Reader = br
	gz := len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b
	if gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip header: %w (delete the file and fetch it again)", err)
		}
		defer zr.Close()
		src = zr
	}
	raw, err := io.ReadAll(io.LimitReader(src, maxIDXBytes+1))
	if err != nil {
		if gz {
			return nil, fmt.Errorf("corrupt gzip stream after %d bytes: %w (delete the file and fetch it again)", len(raw), err)
		}
		return nil, err
	}
	if len(raw) > maxIDXBytes {
		return nil, fmt.Errorf("larger than %d bytes: too large for an IDX file hourglass reads whole", maxIDXBytes)
	}
	return raw, nil
}

func parseIDX(raw []byte) (*IDX, error) {
	if len(raw) < 4 {
		return nil, fmt.Errorf("only %d bytes: too short for an IDX header", len(raw))
	}
	magic := binary.BigEndian.Uint32(raw)
	if magic>>8 != 0x08 {
		return nil, fmt.Errorf("bad magic number 0x%08x: want 0x%08x (images) or 0x%08x (labels) for unsigned-byte IDX data",
			magic, magicImages, magicLabels)
	}
	nd := int(magic & 0xff)
	if nd < 1 || nd > 3 {
		return nil, fmt.Errorf("bad magic number 0x%08x: %d dimensions, want 1 (labels) or 3 (images)", magic, nd)
	}
	hdr := 4 + 4*nd
	if len(raw) < hdr {
		return nil, fmt.Errorf("truncated header: %d bytes, want %d", len(raw), hdr)
	}
	dims := make([]int, nd)
	want := uint64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(raw[4+4*i:])
		dims[i] = int(d)
		want *= uint64(d)
	}
	have := uint64(len(raw) - hdr)
	switch {
	case have < want:
		return nil, fmt.Errorf("truncated: header says %v (%d data bytes) but the file holds %d data bytes", dims, want, have)
	case have > want:
		return nil, fmt.Errorf("%d bytes past the end that the header %v declares", have-want, dims)
	}
	sum := sha256.Sum256(raw)
	return &IDX{Dims: dims, Data: raw[hdr:], SHA256: hex.EncodeToString(sum[:])}, nil
}

// ReadImages reads an IDX image file of 28x28 images.
func ReadImages(path string) (*IDX, error) {
	idx, err := ReadIDXFile(path)
	if err != nil {
		return nil, err
	}
	if len(idx.Dims) != 3 || idx.Dims[1] != Rows || idx.Dims[2] != Cols {
		return nil, fmt.Errorf("%s: dimensions %v, want [N %d %d] images", path, idx.Dims, Rows, Cols)
	}
	return idx, nil
}

// ReadLabels reads an IDX label file of Fashion-MNIST and checks every
// label is 0-9.
func ReadLabels(path string) (*IDX, error) {
	idx, err := ReadIDXFile(path)
	if err != nil {
		return nil, err
	}
	if len(idx.Dims) != 1 {
		return nil, fmt.Errorf("%s: dimensions %v, want [N] labels", path, idx.Dims)
	}
	for i, l := range idx.Data {
		if int(l) >= len(FashionClasses) {
			return nil, fmt.Errorf("%s: label %d at index %d is out of range 0-%d", path, l, i, len(FashionClasses)-1)
		}
	}
	return idx, nil
}

// WriteIDX writes an unsigned-byte IDX file with the given dimensions,
// gzip'd when gz is set. Tests use it to make small data sets.
func WriteIDX(w io.Writer, dims []int, payload []byte, gz bool) error {
	if len(dims) < 1 || len(dims) > 3 {
		panic("data.WriteIDX: 1 to 3 dimensions")
	}
	head := binary.BigEndian.AppendUint32(nil, uint32(0x0800|len(dims)))
	for _, d := range dims {
		head = binary.BigEndian.AppendUint32(head, uint32(d))
	}
	buf := bytes.NewBuffer(head)
	buf.Write(payload)
	if !gz {
		_, err := w.Write(buf.Bytes())
		return err
	}
	zw := gzip.NewWriter(w)
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return err
	}
	return zw.Close()
}
