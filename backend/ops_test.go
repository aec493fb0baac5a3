package backend

import (
	"io"
	"math"
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// tensor is a float32 array with its dimensions, for plain-Go references.
type tensor struct {
	dims []int
	data []float32
}

func (t tensor) shape() shapes.Shape { return shapes.Make(dtypes.Float32, t.dims...) }

func seq(dims ...int) tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	t := tensor{dims: dims, data: make([]float32, n)}
	for i := range t.data {
		t.data[i] = float32(i + 1)
	}
	return t
}

// runOp builds op on the wrapped backend with the inputs as parameters,
// executes it, and returns the output.
func runOp(t *testing.T, build func(b *Builder, in []backends.Op) (backends.Op, error), inputs ...tensor) tensor {
	t.Helper()
	be, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*Backend).filledBuilder(t.Name())
	var params []backends.Op
	var bufs []backends.Buffer
	for i, in := range inputs {
		p, err := b.Parameter(string(rune('a'+i)), in.shape(), nil)
		if err != nil {
			t.Fatal(err)
		}
		params = append(params, p)
		buf, err := be.BufferFromFlatData(0, in.data, in.shape())
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, buf)
	}
	out, err := build(b, params)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.OpShape(out)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := b.Compile([]backends.Op{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := exe.Execute(bufs, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := tensor{dims: s.Dimensions, data: make([]float32, s.Size())}
	if err := be.BufferToFlatData(res[0], got.data); err != nil {
		t.Fatal(err)
	}
	return got
}

func strides(dims []int) []int {
	st := make([]int, len(dims))
	n := 1
	for i := len(dims) - 1; i >= 0; i-- {
		st[i] = n
		n *= dims[i]
	}
	return st
}

// forEach calls f with every multi-index of dims, row-major.
func forEach(dims []int, f func(idx []int)) {
	idx := make([]int, len(dims))
	total := 1
	for _, d := range dims {
		total *= d
	}
	for n := 0; n < total; n++ {
		rem := n
		for i := len(dims) - 1; i >= 0; i-- {
			idx[i] = rem % dims[i]
			rem /= dims[i]
		}
		f(idx)
	}
}

// refPad implements XLA's Pad semantics directly: element i of an axis
// lands at start + i*(interior+1); out-of-range positions are dropped.
func refPad(x tensor, fill float32, cfg []backends.PadAxis) tensor {
	out := tensor{dims: make([]int, len(x.dims))}
	for i, d := range x.dims {
		out.dims[i] = cfg[i].Start + cfg[i].End + d + max(0, d-1)*cfg[i].Interior
	}
	n := 1
	for _, d := range out.dims {
		n *= d
	}
	out.data = make([]float32, n)
	for i := range out.data {
		out.data[i] = fill
	}
	ost, xst := strides(out.dims), strides(x.dims)
	forEach(x.dims, func(idx []int) {
		off := 0
		for i, v := range idx {
			p := cfg[i].Start + v*(cfg[i].Interior+1)
			if p < 0 || p >= out.dims[i] {
				return
			}
			off += p * ost[i]
		}
		src := 0
		for i, v := range idx {
			src += v * xst[i]
		}
		out.data[off] = x.data[src]
	})
	return out
}

func sameTensor(t *testing.T, name string, got, want tensor) {
	t.Helper()
	if len(got.dims) != len(want.dims) {
		t.Fatalf("%s: dims %v, want %v", name, got.dims, want.dims)
	}
	for i := range got.dims {
		if got.dims[i] != want.dims[i] {
			t.Fatalf("%s: dims %v, want %v", name, got.dims, want.dims)
		}
	}
	for i := range got.data {
		if got.data[i] != want.data[i] {
			t.Fatalf("%s: element %d = %v, want %v\ngot  %v\nwant %v", name, i, got.data[i], want.data[i], got.data, want.data)
		}
	}
}

func TestPad(t *testing.T) {
	cases := []struct {
		name string
		dims []int
		cfg  []backends.PadAxis
	}{
		{"edges", []int{2, 3}, []backends.PadAxis{{Start: 1, End: 2}, {Start: 0, End: 1}}},
		{"interior", []int{3, 4}, []backends.PadAxis{{Interior: 1}, {Interior: 2}}},
		{"negative", []int{4, 5}, []backends.PadAxis{{Start: -1, End: -2}, {Start: 2, End: -1}}},
		{"mixed rank 3", []int{2, 3, 4}, []backends.PadAxis{{Start: 1}, {Start: -1, End: 2, Interior: 1}, {Start: 1, End: 1, Interior: 3}}},
		{"interior then cut", []int{1, 4}, []backends.PadAxis{{}, {Start: -2, End: -1, Interior: 1}}},
	}
	for _, tc := range cases {
		x := seq(tc.dims...)
		got := runOp(t, func(b *Builder, in []backends.Op) (backends.Op, error) {
			c := &composer{b: b}
			return b.Pad(in[0], c.scalar(dtypes.Float32, -7), tc.cfg...)
		}, x)
		sameTensor(t, tc.name, got, refPad(x, -7, tc.cfg))
	}
}

func TestReverse(t *testing.T) {
	x := seq(2, 3, 4)
	got := runOp(t, func(b *Builder, in []backends.Op) (backends.Op, error) {
		return b.Reverse(in[0], 0, 2)
	}, x)
	want := tensor{dims: x.dims, data: make([]float32, len(x.data))}
	st := strides(x.dims)
	forEach(x.dims, func(i []int) {
		want.data[i[0]*st[0]+i[1]*st[1]+i[2]] = x.data[(1-i[0])*st[0]+i[1]*st[1]+(3-i[2])]
	})
	sameTensor(t, "reverse axes 0,2", got, want)
}

// refSelectAndScatter follows XLA's definition: for every source position,
// find the first maximum (or minimum) of its window in the padded operand
// and add the source value there.
func refSelectAndScatter(op, src tensor, window, stride []int, pads [][2]int, isMax bool) tensor {
	out := tensor{dims: op.dims, data: make([]float32, len(op.data))}
	st := strides(op.dims)
	sst := strides(src.dims)
	forEach(src.dims, func(s []int) {
		best := float32(math.Inf(-1))
		if !isMax {
			best = float32(math.Inf(1))
		}
		bestOff := -1
		forEach(window, func(w []int) {
			off := 0
			for i := range w {
				p := s[i]*stride[i] + w[i] - pads[i][0]
				if p < 0 || p >= op.dims[i] {
					return
				}
				off += p * st[i]
			}
			v := op.data[off]
			if bestOff < 0 || (isMax && v > best) || (!isMax && v < best) {
				best, bestOff = v, off
			}
		})
		so := 0
		for i := range s {
			so += s[i] * sst[i]
		}
		if bestOff >= 0 {
			out.data[bestOff] += src.data[so]
		}
	})
	return out
}

func TestSelectAndScatter(t *testing.T) {
	ties := tensor{dims: []int{1, 4, 4, 1}, data: []float32{
		1, 1, 2, 0,
		1, 0, 2, 2,
		3, 5, 5, 1,
		5, 0, 1, 5,
	}}
	cases := []struct {
		name           string
		op             tensor
		window, stride []int
		pads           [][2]int
	}{
		{"2x2 stride 2 with ties", ties, []int{1, 2, 2, 1}, []int{1, 2, 2, 1}, [][2]int{{}, {}, {}, {}}},
		{"3x3 stride 1 overlapping with ties", ties, []int{1, 3, 3, 1}, []int{1, 1, 1, 1}, [][2]int{{}, {}, {}, {}}},
		{"2x2 stride 2, odd size 7 (floor)", seq(2, 7, 7, 3), []int{1, 2, 2, 1}, []int{1, 2, 2, 1}, [][2]int{{}, {}, {}, {}}},
		{"3x3 stride 2 padded", seq(1, 5, 6, 2), []int{1, 3, 3, 1}, []int{1, 2, 2, 1}, [][2]int{{}, {1, 1}, {1, 1}, {}}},
	}
	for _, tc := range cases {
		srcDims := make([]int, len(tc.op.dims))
		for i, d := range tc.op.dims {
			srcDims[i] = (d+tc.pads[i][0]+tc.pads[i][1]-tc.window[i])/tc.stride[i] + 1
		}
		src := seq(srcDims...)
		for _, isMax := range []bool{true, false} {
			got := runOp(t, func(b *Builder, in []backends.Op) (backends.Op, error) {
				if isMax {
					return b.SelectAndScatterMax(in[0], in[1], tc.window, tc.stride, tc.pads)
				}
				return b.SelectAndScatterMin(in[0], in[1], tc.window, tc.stride, tc.pads)
			}, tc.op, src)
			name := tc.name + map[bool]string{true: " max", false: " min"}[isMax]
			sameTensor(t, name, got, refSelectAndScatter(tc.op, src, tc.window, tc.stride, tc.pads, isMax))
		}
	}
}

// TestNewPrintsNothing: creating the backend must not write to stdout
// (simplego announces its parallelism setting there).
func TestNewPrintsNothing(t *testing.T) {
	old := os.Stdout
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout = w
	_, err = newGo("")
	w.Close()
	os.Stdout = old
	out, rerr := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(out) != 0 {
		t.Errorf("backend creation printed %q", out)
	}
}
