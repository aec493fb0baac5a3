// Package npy reads and writes NumPy .npy files row by row, so that
// arrays larger than memory stream through: a reader converts any numeric
// dtype to float32 or int64 in batches of rows, a writer streams float32
// rows into a file it renames into place only once every row is written.
package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// magic opens every .npy file.
const magic = "\x93NUMPY"

// Header is a .npy file's description of its array.
type Header struct {
	// Descr is the dtype, e.g. "<f4", "|u1", ">i8".
	Descr string
	Shape []int
	// DataOffset is where the array's bytes start.
	DataOffset int64
}

// Kind is the dtype's kind: 'f' float, 'i' signed, 'u' unsigned, 'b' bool.
func (h Header) Kind() byte { return h.Descr[1] }

// ItemSize is the dtype's size in bytes.
func (h Header) ItemSize() int {
	return int(h.Descr[2] - '0') // ReadHeader accepts sizes 1, 2, 4 and 8 only
}

// Order is the dtype's byte order.
func (h Header) Order() binary.ByteOrder {
	if h.Descr[0] == '>' {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Len is the number of elements.
func (h Header) Len() int {
	n := 1
	for _, d := range h.Shape {
		n *= d
	}
	return n
}

// Rows is the first dimension (1 for a scalar).
func (h Header) Rows() int {
	if len(h.Shape) == 0 {
		return 1
	}
	return h.Shape[0]
}

// RowLen is the number of elements in one row.
func (h Header) RowLen() int {
	n := 1
	for _, d := range h.Shape[min(1, len(h.Shape)):] {
		n *= d
	}
	return n
}

// DtypeName is the dtype as NumPy names it (uint8, float32...).
func (h Header) DtypeName() string {
	names := map[byte]string{'f': "float", 'i': "int", 'u': "uint", 'b': "bool"}
	if h.Kind() == 'b' {
		return "bool"
	}
	return fmt.Sprintf("%s%d", names[h.Kind()], 8*h.ItemSize())
}

var (
	descrRE   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	fortranRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	shapeRE   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
	dtypeRE   = regexp.MustCompile(`^[<>|=][fiub](1|2|4|8)$`)
)

// ReadHeader parses the header at the start of r (versions 1 to 3).
func ReadHeader(r io.Reader) (Header, error) {
	br := bufio.NewReader(r)
	pre := make([]byte, 8)
	if _, err := io.ReadFull(br, pre); err != nil {
		return Header{}, errors.New("not a NumPy .npy file (too short for its header)")
	}
	if string(pre[:6]) != magic {
		return Header{}, errors.New("not a .npy file (no \\x93NUMPY magic)")
	}
	var hlen, lenBytes int
	switch pre[6] {
	case 1:
		lenBytes = 2
	case 2, 3:
		lenBytes = 4
	default:
		return Header{}, fmt.Errorf(".npy format version %d.%d is not supported", pre[6], pre[7])
	}
	lb := make([]byte, lenBytes)
	if _, err := io.ReadFull(br, lb); err != nil {
		return Header{}, errors.New("truncated .npy header")
	}
	if lenBytes == 2 {
		hlen = int(binary.LittleEndian.Uint16(lb))
	} else {
		hlen = int(binary.LittleEndian.Uint32(lb))
	}
	if hlen > 1<<20 {
		return Header{}, fmt.Errorf(".npy header of %d bytes: corrupt", hlen)
	}
	dict := make([]byte, hlen)
	if _, err := io.ReadFull(br, dict); err != nil {
		return Header{}, errors.New("truncated .npy header")
	}
	h := Header{DataOffset: int64(8 + lenBytes + hlen)}
	s := string(dict)
	m := descrRE.FindStringSubmatch(s)
	if m == nil {
		return h, fmt.Errorf("the .npy header has no dtype: %q", s)
	}
	h.Descr = m[1]
	if h.Descr[0] == '=' {
		h.Descr = "<" + h.Descr[1:]
	}
	if !dtypeRE.MatchString(h.Descr) {
		return h, fmt.Errorf("dtype %q is not a plain number type (want uint8, integers or float32/float64)", h.Descr)
	}
	if f := fortranRE.FindStringSubmatch(s); f == nil || f[1] == "True" {
		return h, errors.New("the array is in Fortran order; save it with numpy.ascontiguousarray first")
	}
	sh := shapeRE.FindStringSubmatch(s)
	if sh == nil {
		return h, fmt.Errorf("the .npy header has no shape: %q", s)
	}
	for _, p := range strings.Split(sh[1], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(p, "L"))
		if err != nil || d < 0 {
			return h, fmt.Errorf("bad shape %q in the .npy header", sh[1])
		}
		h.Shape = append(h.Shape, d)
	}
	// The array's byte count must fit an int64 (a file's size): past it,
	// Len()*ItemSize() wraps around to what a short file may hold. Zero
	// dimensions are left out, so that RowLen() cannot wrap either.
	n := int64(h.ItemSize())
	for _, d := range h.Shape {
		if d == 0 {
			continue
		}
		if n > math.MaxInt64/int64(d) {
			return h, fmt.Errorf("shape %v of %s is too large for any file: corrupt header", h.Shape, h.DtypeName())
		}
		n *= int64(d)
	}
	return h, nil
}

// header renders a version-1 header for a float32 array of the given
// shape, padded so the data starts on a 64-byte boundary.
func header(shape ...int) []byte { return headerOf("<f4", shape) }

// WriteArray writes a whole array: its dtype (e.g. "|u1", "<i8"), shape
// and raw little-endian bytes.
func WriteArray(w io.Writer, descr string, shape []int, payload []byte) error {
	if _, err := w.Write(headerOf(descr, shape)); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

func headerOf(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	out := []byte(magic + "\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(len(dict)))
	return append(out, dict...)
}
