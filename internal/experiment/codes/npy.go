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
	"regexp"
	"strconv"
	"strings"
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
	m := mat.NewDense(s.Len(), data.Pixels, nil)
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
	br := bufio.NewReader(f)
	rows, cols, hlen, err := npyHeader(br)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w (run `hourglass reduce` again)", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, 0, 0, err
	}
	// Both below 2^31: the byte count fits an int64.
	if have := st.Size() - hlen; have < 4*int64(rows)*int64(cols) {
		return nil, 0, 0, fmt.Errorf("%s: %d x %d float32 values expected, %d bytes there (the file is cut short: run `hourglass reduce` again)", path, rows, cols, have)
	}
	vals = make([]float32, rows*cols)
	if len(vals) > 0 {
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&vals[0])), 4*len(vals))
		if _, err := io.ReadFull(br, raw); err != nil {
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

var shapeRE = regexp.MustCompile(`'shape':\s*\((\d+),\s*(\d+)\)`)

// npyHeader reads an .npy header and checks it describes a C-ordered 2-D
// little-endian float32 array of fewer than 2^31 rows and columns; hlen
// is where the values start.
func npyHeader(r io.Reader) (rows, cols int, hlen int64, err error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		return 0, 0, 0, fmt.Errorf("not a NumPy .npy file")
	}
	var n, lenBytes int
	switch pre[6] {
	case 1:
		lenBytes = 2
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return 0, 0, 0, err
		}
		n = int(binary.LittleEndian.Uint16(l[:]))
	case 2, 3:
		lenBytes = 4
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return 0, 0, 0, err
		}
		n = int(binary.LittleEndian.Uint32(l[:]))
	default:
		return 0, 0, 0, fmt.Errorf(".npy version %d is not supported", pre[6])
	}
	if n > 1<<16 {
		return 0, 0, 0, fmt.Errorf(".npy header of %d bytes", n)
	}
	h := make([]byte, n)
	if _, err := io.ReadFull(r, h); err != nil {
		return 0, 0, 0, err
	}
	hs := string(h)
	if !strings.Contains(hs, "'descr': '<f4'") || !strings.Contains(hs, "'fortran_order': False") {
		return 0, 0, 0, fmt.Errorf("want a C-ordered little-endian float32 array, the header says %s", strings.TrimSpace(hs))
	}
	m := shapeRE.FindStringSubmatch(hs)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("want a 2-D array [rows, cols], the header says %s", strings.TrimSpace(hs))
	}
	r64, err1 := strconv.ParseInt(m[1], 10, 32)
	c64, err2 := strconv.ParseInt(m[2], 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, 0, fmt.Errorf("shape (%s, %s) is too large for codes", m[1], m[2])
	}
	return int(r64), int(c64), int64(8 + lenBytes + n), nil
}
