// Package codes holds what every representation shares: images and codes
// as gonum matrices (one row each), their NumPy .npy files, and the
// reconstruction error between two such matrices.
package codes

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/numpy"
	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/base/npy"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
)

// WriteCodes writes a matrix as a float32 .npy file [rows, cols],
// atomically.
func WriteCodes(path string, m *mat.Dense) error {
	r, c := m.Dims()
	flat := make([]float32, 0, r*c)
	for i := 0; i < r; i++ {
		for _, v := range m.RawRowView(i) {
			flat = append(flat, float32(v))
		}
	}
	return writeNpy(path, tensors.FromFlatDataAndDimensions(flat, r, c))
}

// WriteLabels writes labels as an int64 .npy file [n].
func WriteLabels(path string, labels []int) error {
	flat := make([]int64, len(labels))
	for i, l := range labels {
		flat[i] = int64(l)
	}
	return writeNpy(path, tensors.FromFlatDataAndDimensions(flat, len(flat)))
}

func writeNpy(path string, t *tensors.Tensor) error {
	return atomicfile.Write(path, func(w io.Writer) error { return numpy.ToNpyWriter(t, w) })
}

// ReadCodes reads a 2-D float32 .npy file into a matrix.
func ReadCodes(path string) (*mat.Dense, error) {
	r, err := npy.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if d := r.Shape; len(d) != 2 || d[0] == 0 || d[1] == 0 {
		return nil, fmt.Errorf("%s: shape %v, want [rows, cols] of at least one value (run `hourglass reduce` again)", path, d)
	}
	if r.Kind() != 'f' || r.ItemSize() != 4 {
		return nil, fmt.Errorf("%s: dtype %s, want float32 codes", path, r.DtypeName())
	}
	vals, err := r.Float32(make([]float32, 0, r.Len()), r.Rows())
	if err != nil {
		return nil, err
	}
	out := mat.NewDense(r.Shape[0], r.Shape[1], nil)
	raw := out.RawMatrix().Data
	for i, v := range vals {
		raw[i] = float64(v)
	}
	return out, nil
}

// ReadLabels reads a 1-D int64 .npy file.
func ReadLabels(path string) ([]int, error) {
	r, err := npy.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if len(r.Shape) != 1 || r.Kind() != 'i' || r.ItemSize() != 8 {
		return nil, fmt.Errorf("%s: want a 1-D int64 label array, got %s %v", path, r.DtypeName(), r.Shape)
	}
	vals, err := r.Int64(nil, r.Rows())
	if err != nil {
		return nil, err
	}
	out := make([]int, len(vals))
	for i, v := range vals {
		out[i] = int(v)
	}
	return out, nil
}

// Matrix copies a Set's pixels into a gonum matrix, one image per row.
func Matrix(s *data.Set) *mat.Dense {
	m := mat.NewDense(s.Len(), s.ImageShape().Values(), nil)
	raw := m.RawMatrix().Data
	for i, v := range s.Images {
		raw[i] = float64(v)
	}
	return m
}

// MeanSquaredError is the mean squared difference of two same-shaped
// matrices.
func MeanSquaredError(a, b *mat.Dense) float64 {
	rows, cols := a.Dims()
	var sum float64
	for i := 0; i < rows; i++ {
		ra, rb := a.RawRowView(i), b.RawRowView(i)
		for j := range ra {
			d := ra[j] - rb[j]
			sum += d * d
		}
	}
	return sum / float64(rows*cols)
}

// ReadFloat32 reads a 2-D little-endian float32 .npy file (what WriteCodes
// writes) as row-major values, straight into one slice: codes for 60,000
// images are read without a second copy.
func ReadFloat32(path string) (vals []float32, rows, cols int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	h, err := npy.ReadHeader(f)
	if err == nil && (h.Descr != "<f4" || len(h.Shape) != 2) {
		err = fmt.Errorf("want a 2-D little-endian float32 array, the file holds %s %v", h.DtypeName(), h.Shape)
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w (run `hourglass reduce` again)", path, err)
	}
	rows, cols = h.Shape[0], h.Shape[1]
	if st, err := f.Stat(); err != nil || st.Size()-h.DataOffset < 4*int64(rows)*int64(cols) || cols > 0 && rows > math.MaxInt32/cols {
		return nil, 0, 0, fmt.Errorf("%s: %d x %d float32 values expected: the file is cut short (run `hourglass reduce` again)", path, rows, cols)
	}
	if _, err := f.Seek(h.DataOffset, io.SeekStart); err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	vals = make([]float32, rows*cols)
	if len(vals) > 0 {
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&vals[0])), 4*len(vals))
		if _, err := io.ReadFull(bufio.NewReader(f), raw); err != nil {
			return nil, 0, 0, fmt.Errorf("%s: %d x %d float32 values expected: %w (the file is cut short: run `hourglass reduce` again)", path, rows, cols, err)
		}
		if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 { // a big-endian machine: swap
			for i, v := range vals {
				vals[i] = math.Float32frombits(bits.ReverseBytes32(math.Float32bits(v)))
			}
		}
	}
	return vals, rows, cols, nil
}
