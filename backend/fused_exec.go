package backend

import (
	"fmt"
	"math"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// fusedChunk is how many values a fused step computes at a time: every
// intermediate value of the chunk stays in the first-level cache.
const fusedChunk = 1024

// scratch holds the chunk slots of fused steps between runs
// (*chunkSlots).
var scratch sync.Pool

// chunkSlots is a worker's slots for a fused step: temps, each fusedChunk
// values of store, and slots, which point at temps or into the operands.
type chunkSlots struct {
	store        []float32
	temps, slots [][]float32
}

// getSlots returns n slots of fusedChunk values, temps and slots alike.
func getSlots(n int) *chunkSlots {
	cs, _ := scratch.Get().(*chunkSlots)
	if cs == nil {
		cs = &chunkSlots{}
	}
	if cap(cs.store) < n*fusedChunk {
		cs.store = make([]float32, n*fusedChunk)
	}
	if cap(cs.temps) < n {
		cs.temps, cs.slots = make([][]float32, n), make([][]float32, n)
	}
	cs.temps, cs.slots = cs.temps[:n], cs.slots[:n]
	for i := range cs.temps {
		cs.temps[i] = cs.store[i*fusedChunk : (i+1)*fusedChunk]
	}
	copy(cs.slots, cs.temps)
	return cs
}

// fusion is a fused step: an expression compiled into two short programs
// over slots (slices of one chunk). Nodes of size one in a larger result
// ("uniform" ones: scalars, a loss's gradient) are evaluated once per run
// and splat; the rest run chunk by chunk.
type fusion struct {
	out      int
	size     int // values in the result
	boolOut  bool
	leafIDs  []int  // value ids read
	leafBool []bool // per leaf: bool data
	// Slots: leaf windows (per leaf; -1 if not read element by element),
	// splats of uniform values, then temporaries.
	window     []int
	broadcasts []bool   // per leaf: read through a broadcast's index map
	splats     [][2]int // slot, uniform index
	nSlots     int
	uni        []instr // uniform program: dst is an index in the uniform values
	nUni       int
	full       []instr
	rootSlot   int
	rootTemp   bool // the root's slot is a temporary: write the output in place
}

type instr struct {
	op      opcode
	dst     int
	a, b, c int
	k       float32
	leaf    int // opLoad, opBroadcast
	bc      *bcastMap
	// once: a broadcast whose values are the same in every chunk (a bias
	// along the channels, its period dividing the chunk), filled once for
	// each part of the work a core takes (about four a core) instead of
	// every chunk.
	once bool
}

// newFusion compiles expression root (reading leaves) into a fused step
// writing value out.
func (b *stagedBuilder) newFusion(root int, leaves []int, out int) *fusion {
	shape := b.shapes[root]
	f := &fusion{out: out, size: shape.Size(), boolOut: shape.DType == dtypes.Bool, leafIDs: leaves}
	f.window = make([]int, len(leaves))
	f.broadcasts = make([]bool, len(leaves))
	for i, id := range leaves {
		f.window[i] = -1
		f.leafBool = append(f.leafBool, b.shapes[id].DType == dtypes.Bool)
	}
	leafIndex := func(id int) int {
		for i, l := range leaves {
			if l == id {
				return i
			}
		}
		panic("hourglass-go: fused step reads an unlisted value") // cannot happen
	}
	uniform := func(id int) bool { return f.size > 1 && b.shapes[id].Size() == 1 }
	uniMemo := map[int]int{}
	var uniOf func(id int) int
	uniOf = func(id int) int {
		if u, ok := uniMemo[id]; ok {
			return u
		}
		e := b.pending(id)
		var in instr
		switch {
		case e == nil:
			in = instr{op: opLoad, leaf: leafIndex(b.leaf(id))}
		case e.op == opRelabel || e.op == opSplat:
			u := uniOf(e.args[0])
			uniMemo[id] = u
			return u
		default:
			in = instr{op: e.op, k: e.k}
			args := []*int{&in.a, &in.b, &in.c}
			for i, a := range e.args {
				*args[i] = uniOf(a)
			}
		}
		in.dst = f.nUni
		f.nUni++
		f.uni = append(f.uni, in)
		uniMemo[id] = in.dst
		return in.dst
	}
	splatOf := map[int]int{} // uniform index -> slot
	memo := map[int]int{}
	var slotOf func(id int) int
	slotOf = func(id int) int {
		if s, ok := memo[id]; ok {
			return s
		}
		var s int
		e := b.pending(id)
		switch {
		case uniform(id):
			u := uniOf(id)
			var ok bool
			if s, ok = splatOf[u]; !ok {
				s = f.nSlots
				f.nSlots++
				splatOf[u] = s
				f.splats = append(f.splats, [2]int{s, u})
			}
		case e == nil:
			li := leafIndex(b.leaf(id))
			if f.window[li] < 0 {
				f.window[li] = f.nSlots
				f.nSlots++
			}
			s = f.window[li]
		case e.op == opRelabel || e.op == opSplat:
			s = slotOf(e.args[0])
		default:
			in := instr{op: e.op, k: e.k}
			if e.op == opBroadcast {
				in.leaf = leafIndex(b.leaf(e.args[0]))
				f.broadcasts[in.leaf] = true
				in.bc = newBcastMap(b.shapes[id].Dimensions, e.srcDims, e.axes)
			} else {
				args := []*int{&in.a, &in.b, &in.c}
				for i, a := range e.args {
					*args[i] = slotOf(a)
				}
			}
			in.dst = f.nSlots
			f.nSlots++
			f.full = append(f.full, in)
			s = in.dst
		}
		memo[id] = s
		return s
	}
	f.rootSlot = slotOf(root)
	n := len(f.full)
	f.rootTemp = !f.boolOut && n > 0 && f.full[n-1].dst == f.rootSlot
	for i := range f.full {
		in := &f.full[i]
		in.once = in.op == opBroadcast && in.dst != f.rootSlot && in.bc.period > 0 && fusedChunk%(in.bc.period*in.bc.inner) == 0
	}
	return f
}

func (f *fusion) reads() []int { return f.leafIDs }

// inPlace lists the leaves a float32 result may be written over: those
// read element by element only (never through a broadcast's index map,
// which reads other positions).
func (f *fusion) inPlace() []int {
	if f.boolOut {
		return nil
	}
	var ids []int
	for li, s := range f.window {
		if s >= 0 && !f.leafBool[li] && !f.broadcasts[li] {
			ids = append(ids, f.leafIDs[li])
		}
	}
	return ids
}
func (f *fusion) result() int { return f.out }

// abs32 is simplego's Abs: -0 stays -0.
func abs32(a float32) float32 {
	if a < 0 {
		return -a
	}
	return a
}

// one32 is the bits of float32(1).
const one32 = 0x3f800000

// mask32 is all ones for a true mask value (1), zero for false (0).
func mask32(c float32) uint32 { return -(math.Float32bits(c) >> 29 & 1) }

// b2f is 1 for true, 0 for false, through an integer select that
// compiles without a branch (masks are random: a ReLU's).
func b2f(c bool) float32 {
	var u uint32
	if c {
		u = one32
	}
	return math.Float32frombits(u)
}

// scalar applies op to one value each (the uniform program).
func scalar(op opcode, a, b, c, k float32) float32 {
	switch op {
	case opConst:
		return k
	case opNeg:
		return -a
	case opAbs:
		return abs32(a)
	case opSqrt:
		return float32(math.Sqrt(float64(a)))
	case opAdd:
		return a + b
	case opSub:
		return a - b
	case opMul:
		return a * b
	case opDiv:
		return a / b
	case opMax:
		return max(a, b)
	case opMin:
		return min(a, b)
	case opGE:
		return b2f(a >= b)
	case opGT:
		return b2f(a > b)
	case opLE:
		return b2f(a <= b)
	case opLT:
		return b2f(a < b)
	case opWhere:
		if a != 0 {
			return b
		}
		return c
	}
	panic(fmt.Sprintf("hourglass-go: scalar opcode %d", op)) // cannot happen
}

func (f *fusion) exec(in []any, out any) {
	uv := make([]float32, f.nUni)
	for _, p := range f.uni {
		if p.op == opLoad {
			if f.leafBool[p.leaf] {
				uv[p.dst] = b2f(in[p.leaf].([]bool)[0])
			} else {
				uv[p.dst] = in[p.leaf].([]float32)[0]
			}
			continue
		}
		uv[p.dst] = scalar(p.op, uv[p.a], uv[p.b], uv[p.c], p.k)
	}
	chunks := (f.size + fusedChunk - 1) / fusedChunk
	workers := 1
	if f.size >= parallelMin {
		workers = parallel.Workers()
	}
	parallel.Chunks(chunks, workers, func(lo, hi int) {
		cs := getSlots(f.nSlots)
		defer func() {
			clear(cs.slots) // they may point into the operands
			scratch.Put(cs)
		}()
		slots, temps := cs.slots, cs.temps
		// A chunk is at most f.size long: fill no further (the parameters'
		// optimiser steps splat a few scalars over vectors of 16 values).
		fill := min(fusedChunk, f.size)
		for _, sp := range f.splats {
			v := uv[sp[1]]
			d := slots[sp[0]][:fill]
			for i := range d {
				d[i] = v
			}
		}
		for _, p := range f.full {
			if p.once {
				p.bc.fill(slots[p.dst][:fill], in[p.leaf].([]float32), 0)
			}
		}
		for c := lo; c < hi; c++ {
			i0, i1 := c*fusedChunk, min(f.size, (c+1)*fusedChunk)
			f.chunk(in, out, slots, temps, i0, i1)
		}
	})
}

// chunk computes values [i0, i1).
func (f *fusion) chunk(in []any, out any, slots, temps [][]float32, i0, i1 int) {
	n := i1 - i0
	for li, s := range f.window {
		if s < 0 {
			continue
		}
		if f.leafBool[li] {
			src, dst := in[li].([]bool)[i0:i1], temps[s][:n]
			for i, c := range src {
				dst[i] = b2f(c)
			}
			slots[s] = dst
		} else {
			slots[s] = in[li].([]float32)[i0:i1]
		}
	}
	if f.rootTemp {
		slots[f.rootSlot] = out.([]float32)[i0:i1]
	}
	for _, p := range f.full {
		d := slots[p.dst][:n]
		switch p.op {
		case opConst:
			for i := range d {
				d[i] = p.k
			}
		case opBroadcast:
			if !p.once {
				p.bc.fill(d, in[p.leaf].([]float32), i0)
			}
		case opNeg:
			a := slots[p.a][:n]
			for i := vecUnary(p.op, d, a); i < n; i++ {
				d[i] = -a[i]
			}
		case opAbs:
			a := slots[p.a][:n]
			for i := vecUnary(p.op, d, a); i < n; i++ {
				d[i] = abs32(a[i])
			}
		case opSqrt:
			a := slots[p.a][:n]
			for i := vecUnary(p.op, d, a); i < n; i++ {
				d[i] = float32(math.Sqrt(float64(a[i])))
			}
		case opWhere:
			// Branch-free: masks are random (a ReLU's), mispredicted
			// branches cost more than the select.
			c, a, b := slots[p.a][:n], slots[p.b][:n], slots[p.c][:n]
			for i := vecWhere(d, c, a, b); i < n; i++ {
				m := mask32(c[i])
				d[i] = math.Float32frombits(math.Float32bits(a[i])&m | math.Float32bits(b[i])&^m)
			}
		default:
			binaryLoop(p.op, d, slots[p.a][:n], slots[p.b][:n])
		}
	}
	r := slots[f.rootSlot][:n]
	switch {
	case f.boolOut:
		o := out.([]bool)[i0:i1]
		for i, v := range r {
			o[i] = v != 0
		}
	case !f.rootTemp:
		copy(out.([]float32)[i0:i1], r)
	}
}

func binaryLoop(op opcode, d, a, b []float32) {
	b = b[:len(a)]
	d = d[:len(a)]
	if k := vecBinary(op, d, a, b); k > 0 {
		d, a, b = d[k:], a[k:], b[k:]
	}
	switch op {
	case opAdd:
		for i := range d {
			d[i] = a[i] + b[i]
		}
	case opSub:
		for i := range d {
			d[i] = a[i] - b[i]
		}
	case opMul:
		for i := range d {
			d[i] = a[i] * b[i]
		}
	case opDiv:
		for i := range d {
			d[i] = a[i] / b[i]
		}
	case opMax:
		for i := range d {
			d[i] = max(a[i], b[i])
		}
	case opMin:
		for i := range d {
			d[i] = min(a[i], b[i])
		}
	case opGE:
		for i := range d {
			d[i] = b2f(a[i] >= b[i])
		}
	case opGT:
		for i := range d {
			d[i] = b2f(a[i] > b[i])
		}
	case opLE:
		for i := range d {
			d[i] = b2f(a[i] <= b[i])
		}
	case opLT:
		for i := range d {
			d[i] = b2f(a[i] < b[i])
		}
	default:
		panic(fmt.Sprintf("hourglass-go: binary opcode %d", op)) // cannot happen
	}
}

// bcastMap finds, for each value of a BroadcastInDim result, the source
// value it copies. Axes of the result are merged where the source's
// index moves with them alike; one source axis left with stride one (a
// bias along the channels, say) is a period: src = (i / inner) % period.
type bcastMap struct {
	dims, st      []int // merged result dimensions; the source stride of each (0: broadcast)
	period, inner int   // the fast case, when period > 0
}

func newBcastMap(out, src, axes []int) *bcastMap {
	srcSt := rowMajorStrides(src)
	st := make([]int, len(out))
	for i, a := range axes {
		if src[i] != 1 {
			st[a] = srcSt[i]
		}
	}
	m := &bcastMap{}
	for a, d := range out {
		if d == 1 {
			continue
		}
		if n := len(m.dims); n > 0 {
			ps := m.st[n-1]
			if (ps == 0 && st[a] == 0) || (st[a] != 0 && ps == st[a]*d) {
				m.dims[n-1] *= d
				m.st[n-1] = st[a]
				continue
			}
		}
		m.dims = append(m.dims, d)
		m.st = append(m.st, st[a])
	}
	var moving []int
	for a, s := range m.st {
		if s != 0 {
			moving = append(moving, a)
		}
	}
	if len(moving) == 1 && m.st[moving[0]] == 1 {
		m.period, m.inner = m.dims[moving[0]], 1
		for _, d := range m.dims[moving[0]+1:] {
			m.inner *= d
		}
	}
	return m
}

// fill writes result values [i0, i0+len(d)) from src.
func (m *bcastMap) fill(d, src []float32, i0 int) {
	if m.period > 0 {
		if m.inner == 1 { // runs of the source, copied
			j := i0 % m.period
			for len(d) > 0 {
				k := copy(d, src[j:m.period])
				d, j = d[k:], 0
			}
			return
		}
		for i := range d {
			d[i] = src[((i0+i)/m.inner)%m.period]
		}
		return
	}
	r := len(m.dims)
	idx := make([]int, r)
	rem, off := i0, 0
	for a := r - 1; a >= 0; a-- {
		idx[a] = rem % m.dims[a]
		rem /= m.dims[a]
		off += idx[a] * m.st[a]
	}
	for i := range d {
		d[i] = src[off]
		for a := r - 1; a >= 0; a-- {
			idx[a]++
			off += m.st[a]
			if idx[a] < m.dims[a] {
				break
			}
			off -= idx[a] * m.st[a]
			idx[a] = 0
		}
	}
}
