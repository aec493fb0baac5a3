package npy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Writer streams a float32 [rows, cols] array: the header first, then rows
// as they come. Use it inside atomicfile.Write so that a file that did not
// get all its rows never takes the final name.
type Writer struct {
	w          *bufio.Writer
	rows, cols int
	written    int // values
	buf        []byte
}

// NewWriter writes the header of a [rows, cols] float32 array to w.
func NewWriter(w io.Writer, rows, cols int) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.Write(header(rows, cols)); err != nil {
		return nil, err
	}
	return &Writer{w: bw, rows: rows, cols: cols}, nil
}

// Write appends values, whole rows or not.
func (w *Writer) Write(vals []float32) error {
	if w.written+len(vals) > w.rows*w.cols {
		return fmt.Errorf("npy: %d values past the declared [%d, %d]", w.written+len(vals)-w.rows*w.cols, w.rows, w.cols)
	}
	w.buf = w.buf[:0]
	for _, v := range vals {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, math.Float32bits(v))
	}
	w.written += len(vals)
	_, err := w.w.Write(w.buf)
	return err
}

// Close flushes, and fails when fewer values came than the header
// declares.
func (w *Writer) Close() error {
	if w.written != w.rows*w.cols {
		return fmt.Errorf("npy: %d of the %d values declared were written", w.written, w.rows*w.cols)
	}
	return w.w.Flush()
}
