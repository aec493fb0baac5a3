package backend

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// Compile compiles every stage that computes something the outputs need
// and returns an executable running stages and products in order.
func (b *stagedBuilder) Compile(outputs []backends.Op, _ []*backends.ShardingSpec) (backends.Executable, error) {
	if b.compiled {
		return nil, fmt.Errorf("hourglass-go: builder %q is already compiled", b.name)
	}
	b.computeOutputs(outputs)
	final := b.stage()
	outs, err := b.locals(final, outputs)
	if err != nil {
		return nil, err
	}
	b.compiled = true
	live := b.liveSteps(final)
	e := &stagedExec{b: b, lastUse: make([]int, len(b.origins))}
	for _, op := range outputs {
		e.outShapes = append(e.outShapes, op.(*value).shape)
	}
	for i := range e.lastUse {
		e.lastUse[i] = -1
	}
	for _, st := range live {
		if s := st.stage; s != nil {
			ops := outs
			if s != final {
				ops = make([]backends.Op, len(s.exports))
				for j, id := range s.exports {
					ops[j] = b.origins[id].op
				}
			}
			// simplego sizes its execution tables by the newest node among
			// the outputs, and indexes them by every parameter: a parameter
			// made after that node (one whose reader turned out dead)
			// would fall outside. A constant made last is an output that
			// keeps every node inside; Execute drops it.
			sentinel, err := s.b.Constant([]float32{0})
			if err == nil {
				s.exec, err = s.b.Compile(append(slices.Clone(ops), sentinel), nil)
			}
			if err != nil {
				e.Finalize()
				return nil, fmt.Errorf("hourglass-go: compiling stage %d of %q: %w", s.idx, b.name, err)
			}
		}
		for _, id := range st.reads() {
			e.lastUse[id] = len(e.steps)
		}
		e.steps = append(e.steps, st)
	}
	e.groupEnd, e.shared = make([]int, len(e.steps)), make([][]int, len(e.steps))
	if !b.backend.noGroups {
		e.planGroups()
	}
	return e, nil
}

// reads lists the value ids a step takes from other steps or the inputs.
func (st step) reads() []int {
	if st.stage != nil {
		return st.stage.params
	}
	if st.k != nil {
		return st.k.reads()
	}
	if st.conv != nil {
		return []int{st.conv.in, st.conv.kernel}
	}
	if w := st.win; w != nil {
		if w.scatter {
			return []int{w.x, w.src}
		}
		return []int{w.x}
	}
	return []int{st.prod.lhs, st.prod.rhs}
}

// result is the value id a kernel step computes.
func (st step) result() int {
	if st.k != nil {
		return st.k.result()
	}
	if st.conv != nil {
		return st.conv.out
	}
	if st.win != nil {
		return st.win.out
	}
	return st.prod.out
}

// liveSteps walks the steps backwards from the final stage and keeps those
// whose results are read later; it sets each kept stage's exports.
func (b *stagedBuilder) liveSteps(final *stage) []step {
	needed := map[int]bool{}
	for _, id := range final.params {
		needed[id] = true
	}
	live := []step{b.steps[len(b.steps)-1]}
	for i := len(b.steps) - 2; i >= 0; i-- {
		st := b.steps[i]
		if st.stage == nil {
			if needed[st.result()] {
				for _, id := range st.reads() {
					needed[id] = true
				}
				live = append(live, st)
			}
			continue
		}
		s := st.stage
		s.exports = s.exports[:0]
		for id := range s.exported {
			if needed[id] {
				s.exports = append(s.exports, id)
			}
		}
		if len(s.exports) == 0 {
			continue
		}
		slices.Sort(s.exports)
		for _, id := range s.params {
			needed[id] = true
		}
		live = append(live, st)
	}
	slices.Reverse(live)
	return live
}

type stagedExec struct {
	b         *stagedBuilder
	steps     []step
	lastUse   []int   // per value id: the last step reading it, or -1
	groupEnd  []int   // per step: the end of the group it begins (staged_group.go), or 0
	shared    [][]int // per step of a group: operands other steps of the group read
	outShapes []shapes.Shape

	namesOnce sync.Once
	names     []string // per step, for profiles (describe)
}

var _ backends.Executable = (*stagedExec)(nil)

// Finalize releases the stages' executables.
func (e *stagedExec) Finalize() {
	for _, st := range e.steps {
		if st.stage != nil && st.stage.exec != nil {
			st.stage.exec.Finalize()
			st.stage.exec = nil
		}
	}
}

// Inputs returns the graph's parameters.
func (e *stagedExec) Inputs() ([]string, []shapes.Shape) {
	sh := make([]shapes.Shape, len(e.b.inputs))
	for i, id := range e.b.inputs {
		sh[i] = e.b.shapes[id]
	}
	return slices.Clone(e.b.inputNames), sh
}

// Outputs returns the shapes of the graph's outputs.
func (e *stagedExec) Outputs() []shapes.Shape { return slices.Clone(e.outShapes) }

// Execute runs the steps in order. Values are released after their last
// reader: donated to the stage that reads them last, or finalized after the
// product that does.
func (e *stagedExec) Execute(inputs []backends.Buffer, donate []bool, dev backends.DeviceNum) ([]backends.Buffer, error) {
	if len(inputs) != len(e.b.inputs) {
		return nil, fmt.Errorf("hourglass-go: %q takes %d inputs, got %d", e.b.name, len(e.b.inputs), len(inputs))
	}
	be := e.b.backend
	vals := make([]backends.Buffer, len(e.b.origins))
	owned := make([]bool, len(e.b.origins))
	for i, id := range e.b.inputs {
		vals[id] = inputs[i]
		owned[id] = i < len(donate) && donate[i]
	}
	release := func() {
		for id, buf := range vals {
			if buf != nil && owned[id] {
				_ = be.BufferFinalize(buf)
				vals[id] = nil
			}
		}
	}
	defer release()
	prof := be.prof.Load()
	var wall time.Time
	var cpu time.Duration
	last := -1 // for profiles: the step that ran last, or -2 less the size of a group
	for si := 0; si < len(e.steps); si++ {
		st := e.steps[si]
		if prof != nil {
			if last != -1 {
				prof.add(e.profName(last), time.Since(wall), busyTime()-cpu)
			}
			wall, cpu, last = time.Now(), busyTime(), si
		}
		if end := e.groupEnd[si]; end > si+1 {
			if err := e.runGroup(si, end, vals, owned, dev); err != nil {
				return nil, err
			}
			last = -2 - (end - si)
			si = end - 1
			continue
		}
		if st.stage == nil {
			var out backends.Buffer
			var err error
			if id := e.reusable(st, si, vals, owned); id >= 0 {
				// The step overwrites an operand nothing reads later.
				out, vals[id], owned[id] = vals[id], nil, false
				err = e.runInto(st, vals, out, id)
			} else {
				out, err = e.kernel(st, vals, dev)
			}
			if err != nil {
				return nil, err
			}
			vals[st.result()], owned[st.result()] = out, true
			for _, id := range st.reads() {
				if e.lastUse[id] == si && owned[id] && vals[id] != nil {
					_ = be.BufferFinalize(vals[id])
					vals[id] = nil
				}
			}
			continue
		}
		s := st.stage
		in := make([]backends.Buffer, len(s.params))
		don := make([]bool, len(s.params))
		for j, id := range s.params {
			in[j] = vals[id]
			if e.lastUse[id] == si && owned[id] {
				don[j] = true
				vals[id], owned[id] = nil, false // the stage owns it now
			}
		}
		out, err := s.exec.Execute(in, don, dev)
		if err != nil {
			return nil, fmt.Errorf("hourglass-go: stage %d of %q: %w", s.idx, e.b.name, err)
		}
		_ = be.BufferFinalize(out[len(out)-1]) // the sentinel
		out = out[:len(out)-1]
		if si == len(e.steps)-1 {
			if prof != nil {
				prof.add(e.profName(si), time.Since(wall), busyTime()-cpu)
			}
			return out, nil
		}
		for j, id := range s.exports {
			vals[id], owned[id] = out[j], true
		}
	}
	return nil, fmt.Errorf("hourglass-go: %q has no final stage", e.b.name) // cannot happen
}

// inPlacer is a kernel step that may write its result over one of its
// operands (element-wise steps: each value is read before it is written).
type inPlacer interface {
	// inPlace lists the value ids of the operands it may overwrite.
	inPlace() []int
}

// reusable returns an operand step si may overwrite (its own, read by no
// later step, of the result's exact shape), or -1.
func (e *stagedExec) reusable(st step, si int, vals []backends.Buffer, owned []bool) int {
	p, ok := st.k.(inPlacer)
	if !ok {
		return -1
	}
	for _, id := range p.inPlace() {
		if e.lastUse[id] == si && owned[id] && vals[id] != nil && e.b.shapes[id].Equal(e.b.shapes[st.result()]) {
			return id
		}
	}
	return -1
}

// runInto runs kernel step st (a kernelOp) with out as its result: a new
// buffer (over -1), or the buffer of operand over, already taken from vals.
func (e *stagedExec) runInto(st step, vals []backends.Buffer, out backends.Buffer, over int) error {
	be := e.b.backend
	res, err := be.BufferData(out)
	if err != nil {
		return err
	}
	reads := st.reads()
	in := make([]any, len(reads))
	for i, id := range reads {
		buf := vals[id]
		if id == over {
			buf = out
		}
		if buf == nil {
			return fmt.Errorf("hourglass-go: an operand of a kernel step was released early (bug)")
		}
		if in[i], err = be.BufferData(buf); err != nil {
			return err
		}
	}
	st.k.exec(in, res)
	return nil
}

// kernel runs a product or convolution step into a new buffer.
func (e *stagedExec) kernel(st step, vals []backends.Buffer, dev backends.DeviceNum) (backends.Buffer, error) {
	be := e.b.backend
	reads := st.reads()
	if st.k != nil {
		buf, _, err := be.NewSharedBuffer(dev, e.b.shapes[st.result()])
		if err != nil {
			return nil, err
		}
		return buf, e.runInto(st, vals, buf, -1)
	}
	lhs, err := floats(be, vals[reads[0]])
	if err != nil {
		return nil, err
	}
	var rhs []float32
	if len(reads) > 1 {
		if rhs, err = floats(be, vals[reads[1]]); err != nil {
			return nil, err
		}
	}
	buf, flat, err := be.NewSharedBuffer(dev, e.b.shapes[st.result()])
	if err != nil {
		return nil, err
	}
	if c := st.conv; c != nil {
		c.run(lhs, rhs, flat.([]float32))
		return buf, nil
	}
	if w := st.win; w != nil {
		w.run(lhs, rhs, flat.([]float32))
		return buf, nil
	}
	p := st.prod
	if p.sparse != nil {
		p.sparse.mul(flat.([]float32), rhs, p.n)
		return buf, nil
	}
	a := gemm.Matrix{Data: lhs, Rows: p.m, Cols: p.k, Stride: p.k}
	if p.lhsT {
		a.Stride, a.Trans = p.m, true
	}
	b := gemm.Matrix{Data: rhs, Rows: p.k, Cols: p.n, Stride: p.n}
	if p.rhsT {
		b.Stride, b.Trans = p.k, true
	}
	gemm.Mul(flat.([]float32), p.n, a, b)
	return buf, nil
}

func floats(be *Backend, buf backends.Buffer) ([]float32, error) {
	if buf == nil {
		return nil, fmt.Errorf("hourglass-go: a product's operand was released early (bug)")
	}
	flat, err := be.BufferData(buf)
	if err != nil {
		return nil, err
	}
	f, ok := flat.([]float32)
	if !ok {
		return nil, fmt.Errorf("hourglass-go: a product's operand holds %T, not []float32", flat)
	}
	return f, nil
}
