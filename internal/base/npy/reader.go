package npy

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
)

// Reader reads a .npy file's rows in order, converting as it goes.
type Reader struct {
	Header
	path string
	f    *os.File
	r    *bufio.Reader
	next int // the next row
	buf  []byte
}

// Open reads path's header and checks the file holds exactly the bytes
// its shape declares.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h, err := ReadHeader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if want := h.DataOffset + int64(h.Len()*h.ItemSize()); st.Size() != want {
		f.Close()
		return nil, fmt.Errorf("%s: shape %v of %s needs %d bytes but the file has %d: truncated or corrupt",
			path, h.Shape, h.DtypeName(), want, st.Size())
	}
	if _, err := f.Seek(h.DataOffset, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return &Reader{Header: h, path: path, f: f, r: bufio.NewReaderSize(f, 1<<20)}, nil
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }

// Path is the file read.
func (r *Reader) Path() string { return r.path }

// Remaining is the number of rows not read yet.
func (r *Reader) Remaining() int { return r.Rows() - r.next }

// raw reads the bytes of the next n rows.
func (r *Reader) raw(n int) ([]byte, error) {
	if n > r.Remaining() {
		return nil, fmt.Errorf("%s: %d rows asked for, %d left", r.path, n, r.Remaining())
	}
	size := n * r.RowLen() * r.ItemSize()
	if cap(r.buf) < size {
		r.buf = make([]byte, size)
	}
	b := r.buf[:size]
	if _, err := io.ReadFull(r.r, b); err != nil {
		return nil, fmt.Errorf("%s: reading rows %d-%d: %w", r.path, r.next, r.next+n-1, err)
	}
	r.next += n
	return b, nil
}

// Float32 reads the next n rows as float32 values, appended to dst.
// Integers convert exactly where float32 can hold them.
func (r *Reader) Float32(dst []float32, n int) ([]float32, error) {
	b, err := r.raw(n)
	if err != nil {
		return dst, err
	}
	size, order, kind := r.ItemSize(), r.Order(), r.Kind()
	for i := 0; i < len(b); i += size {
		v := b[i : i+size]
		var x float32
		switch {
		case kind == 'f' && size == 4:
			x = math.Float32frombits(order.Uint32(v))
		case kind == 'f' && size == 8:
			x = float32(math.Float64frombits(order.Uint64(v)))
		default:
			x = float32(integer(kind, size, order, v))
		}
		dst = append(dst, x)
	}
	return dst, nil
}

// Int64 reads the next n rows as integers, appended to dst; a float or
// boolean array is an error.
func (r *Reader) Int64(dst []int64, n int) ([]int64, error) {
	if k := r.Kind(); k != 'i' && k != 'u' {
		return dst, fmt.Errorf("%s: dtype %s; want integers", r.path, r.DtypeName())
	}
	b, err := r.raw(n)
	if err != nil {
		return dst, err
	}
	size := r.ItemSize()
	for i := 0; i < len(b); i += size {
		dst = append(dst, integer(r.Kind(), size, r.Order(), b[i:i+size]))
	}
	return dst, nil
}

func integer(kind byte, size int, order interface {
	Uint16([]byte) uint16
	Uint32([]byte) uint32
	Uint64([]byte) uint64
}, v []byte) int64 {
	signed := kind == 'i'
	switch size {
	case 1:
		if signed {
			return int64(int8(v[0]))
		}
		return int64(v[0])
	case 2:
		if signed {
			return int64(int16(order.Uint16(v)))
		}
		return int64(order.Uint16(v))
	case 4:
		if signed {
			return int64(int32(order.Uint32(v)))
		}
		return int64(order.Uint32(v))
	}
	return int64(order.Uint64(v))
}
