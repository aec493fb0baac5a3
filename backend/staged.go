package backend

//go:generate go run ./internal/genops

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// The staged builder runs float32 matrix products, convolutions and max
// pooling (forward and gradient) with hourglass's own kernels, and the
// element-wise and layout operations of fuse.go and layout.go, through
// public API only: simplego executes graphs with its own unexported table
// of kernels, so a graph is cut into stages at every such operation. Each
// stage is an ordinary simplego graph (with the filled-in operations of
// Builder); the kernel steps run between stages on the stages' buffers. A
// value one stage reads from another becomes an output of the first and a
// parameter of the second. The methods for all other operations, generated
// into staged_ops_gen.go, only move operands into the current stage.

// value is an operation's result as the staged builder hands it out.
type value struct {
	b     *stagedBuilder
	id    int
	shape shapes.Shape
}

// origin says where a value is computed: in a stage (as op), or, with
// stage -1, as an input of the graph or by a kernel step.
type origin struct {
	stage int
	op    backends.Op
}

type stage struct {
	idx      int
	b        *Builder
	params   []int // value ids, in parameter order
	imported map[int]backends.Op
	exported map[int]bool // value ids read by later steps
	exports  []int        // the live ones, in output order (set by Compile)
	exec     backends.Executable
}

// product is C = op(A)·op(B) on rank-2 float32 operands.
type product struct {
	lhs, rhs, out int // value ids
	m, k, n       int
	lhsT, rhsT    bool // operand stored transposed (contracting axis 0 of lhs, 1 of rhs)
	// sparse, when the left operand is a mostly-zero constant, computes
	// the product as sums of rows of the right one (sparse.go).
	sparse *sparseRows
}

type step struct {
	stage *stage
	prod  *product
	conv  *convolution
	win   *window
	k     kernelOp // transposes, sums, fused element-wise steps
}

type stagedBuilder struct {
	backend    *Backend
	name       string
	origins    []origin
	shapes     []shapes.Shape
	inputs     []int // value ids of the graph's parameters
	inputNames []string
	stages     []*stage
	steps      []step
	cur        *stage
	compiled   bool
	useKernels bool
	exprs      map[int]*expr     // element-wise expressions (fuse.go)
	aliases    map[int]int       // reshaped views of computed values
	consts     map[int][]float32 // rank-2 float32 constants' data (sparse.go)
}

var _ backends.Builder = (*stagedBuilder)(nil)

func newStagedBuilder(b *Backend, name string) *stagedBuilder {
	return &stagedBuilder{backend: b, name: name, useKernels: b.kernels}
}

// stage returns the stage new operations go to, opening one if the last
// step was a product.
func (b *stagedBuilder) stage() *stage {
	if b.cur == nil {
		inner := b.backend.filledBuilder(fmt.Sprintf("%s#%d", b.name, len(b.stages)))
		b.cur = &stage{idx: len(b.stages), b: inner, imported: map[int]backends.Op{}, exported: map[int]bool{}}
		b.stages = append(b.stages, b.cur)
		b.steps = append(b.steps, step{stage: b.cur})
	}
	return b.cur
}

func (b *stagedBuilder) newValue(o origin, shape shapes.Shape) *value {
	b.origins = append(b.origins, o)
	b.shapes = append(b.shapes, shape)
	return &value{b: b, id: len(b.origins) - 1, shape: shape}
}

// wrap registers op, computed in stage s.
func (b *stagedBuilder) wrap(s *stage, op backends.Op) backends.Op {
	shape, err := s.b.OpShape(op)
	if err != nil {
		panic(fmt.Sprintf("hourglass-go: shape of an operation just built: %v", err)) // cannot happen
	}
	return b.newValue(origin{stage: s.idx, op: op}, shape)
}

func (b *stagedBuilder) wraps(s *stage, ops []backends.Op) []backends.Op {
	out := make([]backends.Op, len(ops))
	for i, op := range ops {
		out[i] = b.wrap(s, op)
	}
	return out
}

func (b *stagedBuilder) value(op backends.Op) (*value, error) {
	v, ok := op.(*value)
	if !ok || v == nil || v.b != b {
		return nil, fmt.Errorf("hourglass-go: operand %v was not built by builder %q", op, b.name)
	}
	if b.compiled {
		return nil, fmt.Errorf("hourglass-go: builder %q is already compiled", b.name)
	}
	return v, nil
}

// pair is value for two operands.
func (b *stagedBuilder) pair(x, y backends.Op) (*value, *value, error) {
	vx, err := b.value(x)
	if err != nil {
		return nil, nil, err
	}
	vy, err := b.value(y)
	return vx, vy, err
}

// local returns op as an operation of stage s, making it a parameter of s
// (and an output of the stage computing it) when it is computed elsewhere.
func (b *stagedBuilder) local(s *stage, op backends.Op) (backends.Op, error) {
	v, err := b.value(op)
	if err != nil {
		return nil, err
	}
	if p, ok := s.imported[v.id]; ok {
		return p, nil
	}
	o := b.origins[v.id]
	if o.stage == lazyStage {
		p, err := b.lazyLocal(s, v)
		if err == nil {
			s.imported[v.id] = p
		}
		return p, err
	}
	if o.stage == s.idx {
		return o.op, nil
	}
	p, err := s.b.Parameter(fmt.Sprintf("v%d", v.id), v.shape, nil)
	if err != nil {
		return nil, err
	}
	s.imported[v.id] = p
	s.params = append(s.params, v.id)
	if o.stage >= 0 {
		b.stages[o.stage].exported[v.id] = true
	}
	return p, nil
}

func (b *stagedBuilder) locals(s *stage, ops []backends.Op) ([]backends.Op, error) {
	out := make([]backends.Op, len(ops))
	for i, op := range ops {
		var err error
		if out[i], err = b.local(s, op); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// forward builds an operation in the current stage from ops moved into it,
// and registers its result.
func (b *stagedBuilder) forward(build func(s *stage, in []backends.Op) (backends.Op, error), ops ...backends.Op) (backends.Op, error) {
	s := b.stage()
	in, err := b.locals(s, ops)
	if err != nil {
		return nil, err
	}
	op, err := build(s, in)
	if err != nil {
		return nil, err
	}
	return b.wrap(s, op), nil
}

// Name returns the builder's name.
func (b *stagedBuilder) Name() string { return b.name }

// OpShape returns the shape of an operation's result.
func (b *stagedBuilder) OpShape(op backends.Op) (shapes.Shape, error) {
	v, ok := op.(*value)
	if !ok || v == nil || v.b != b {
		return shapes.Shape{}, fmt.Errorf("hourglass-go: operand %v was not built by builder %q", op, b.name)
	}
	return v.shape, nil
}

// Parameter declares an input of the graph.
func (b *stagedBuilder) Parameter(name string, shape shapes.Shape, _ *backends.ShardingSpec) (backends.Op, error) {
	if b.compiled {
		return nil, fmt.Errorf("hourglass-go: builder %q is already compiled", b.name)
	}
	if !shape.Ok() {
		return nil, fmt.Errorf("hourglass-go: parameter %q has an invalid shape", name)
	}
	v := b.newValue(origin{stage: -1}, shape)
	b.inputs = append(b.inputs, v.id)
	b.inputNames = append(b.inputNames, name)
	return v, nil
}

// Constant adds a constant to the current stage; a float32 scalar is an
// expression (fuse.go).
func (b *stagedBuilder) Constant(flat any, dims ...int) (backends.Op, error) {
	if f, ok := flat.([]float32); ok && b.useKernels && len(f) == 1 && len(dims) == 0 && !b.compiled {
		return b.newExpr(&expr{op: opConst, k: f[0]}, shapes.Make(dtypes.Float32)), nil
	}
	// A float32 matrix of at most maxConstValues values is copied, and kept
	// for products that may run it as sparse rows (sparse.go); the stage
	// gets the same copy.
	f, record := flat.([]float32)
	record = record && b.useKernels && len(dims) == 2 && len(f) <= maxConstValues
	if record {
		f = slices.Clone(f)
		flat = f
	}
	op, err := b.forward(func(s *stage, _ []backends.Op) (backends.Op, error) { return s.b.Constant(flat, dims...) })
	if record && err == nil {
		if b.consts == nil {
			b.consts = map[int][]float32{}
		}
		b.consts[op.(*value).id] = f
	}
	return op, err
}

// maxConstValues is the largest constant kept for sparse products.
const maxConstValues = 1 << 20

var errDistributed = errors.New("hourglass-go runs on one device: distributed execution is not supported")

// DistributedSPMD is not supported.
func (b *stagedBuilder) DistributedSPMD(int) error { return errDistributed }

// DistributedAutoSharding is not supported.
func (b *stagedBuilder) DistributedAutoSharding(...backends.Mesh) error { return errDistributed }

// DeviceAssignment accepts device 0 only.
func (b *stagedBuilder) DeviceAssignment(devices ...backends.DeviceNum) error {
	for _, d := range devices {
		if d != 0 {
			return errDistributed
		}
	}
	return nil
}

// kernelStep appends a step run by hourglass's kernels (a product or a
// convolution) reading the given values, and returns its result.
func (b *stagedBuilder) kernelStep(st step, shape shapes.Shape, reads ...int) *value {
	v := b.newValue(origin{stage: -1}, shape)
	b.steps = append(b.steps, st)
	b.markRead(reads...)
	b.cur = nil
	return v
}

// Dot sends matrix x matrix products to DotGeneral.
func (b *stagedBuilder) Dot(lhs, rhs backends.Op) (backends.Op, error) {
	l, r, err := b.pair(lhs, rhs)
	if err != nil {
		return nil, err
	}
	if l.shape.Rank() == 2 && r.shape.Rank() == 2 {
		return b.DotGeneral(lhs, []int{1}, nil, rhs, []int{0}, nil)
	}
	return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Dot(in[0], in[1]) }, lhs, rhs)
}

// DotGeneral runs plain float32 matrix products (rank 2, one contracting
// axis each, no batch axes) as a product step; other products go to the
// current stage.
func (b *stagedBuilder) DotGeneral(lhs backends.Op, lhsContracting, lhsBatch []int, rhs backends.Op, rhsContracting, rhsBatch []int) (backends.Op, error) {
	l, r, err := b.pair(lhs, rhs)
	if err != nil {
		return nil, err
	}
	if b.useKernels && l.shape.DType == dtypes.Float32 && r.shape.DType == dtypes.Float32 &&
		l.shape.Rank() == 2 && r.shape.Rank() == 2 && len(lhsBatch) == 0 && len(rhsBatch) == 0 &&
		len(lhsContracting) == 1 && len(rhsContracting) == 1 {
		lc, rc := lhsContracting[0], rhsContracting[0]
		if (lc == 0 || lc == 1) && (rc == 0 || rc == 1) && l.shape.Dimensions[lc] == r.shape.Dimensions[rc] {
			p := &product{lhs: b.compute(l.id), rhs: b.compute(r.id), lhsT: lc == 0, rhsT: rc == 1,
				m: l.shape.Dimensions[1-lc], k: l.shape.Dimensions[lc], n: r.shape.Dimensions[1-rc]}
			if data, ok := b.consts[l.id]; ok && !p.rhsT {
				p.sparse = newSparseRows(data, p.m, p.k, p.lhsT)
			}
			v := b.kernelStep(step{prod: p}, shapes.Make(dtypes.Float32, p.m, p.n), p.lhs, p.rhs)
			p.out = v.id
			return v, nil
		}
	}
	return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) {
		return s.b.DotGeneral(in[0], lhsContracting, lhsBatch, in[1], rhsContracting, rhsBatch)
	}, lhs, rhs)
}

// ConvGeneral runs float32 convolutions with one channel group and one
// batch group as a convolution step (see conv.go); others go to the
// current stage.
func (b *stagedBuilder) ConvGeneral(input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	in, k, err := b.pair(input, kernel)
	if err != nil {
		return nil, err
	}
	n := len(axes.InputSpatial)
	if b.useKernels && in.shape.DType == dtypes.Float32 && k.shape.DType == dtypes.Float32 &&
		channelGroupCount <= 1 && batchGroupCount <= 1 && len(paddings) <= n {
		c := &convolution{in: b.compute(in.id), kernel: b.compute(k.id), inShape: in.shape, kShape: k.shape, axes: axes.Clone(),
			strides: ones(strides, n), inDil: ones(inputDilations, n), kDil: ones(kernelDilations, n),
			pads: make([][2]int, n)}
		copy(c.pads, paddings)
		out, err := shapeinference.ConvGeneralOp(in.shape, k.shape, axes, c.strides, c.pads, c.inDil, c.kDil, 1, 1)
		if err != nil {
			return nil, err
		}
		c.outShape = out
		v := b.kernelStep(step{conv: c}, out, c.in, c.kernel)
		c.out = v.id
		return v, nil
	}
	return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) {
		return s.b.ConvGeneral(in[0], in[1], axes, strides, paddings, inputDilations, kernelDilations, channelGroupCount, batchGroupCount)
	}, input, kernel)
}

// ReduceWindow runs float32 max pooling without padding or dilations as a
// window step (see window.go); others go to the current stage.
func (b *stagedBuilder) ReduceWindow(x backends.Op, reductionType backends.ReduceOpType,
	windowDimensions, strides, baseDilations, windowDilations []int, paddings [][2]int) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	n := v.shape.Rank()
	if b.useKernels && v.shape.DType == dtypes.Float32 && reductionType == backends.ReduceOpMax &&
		len(windowDimensions) == n && n > 0 && allOnes(baseDilations) && allOnes(windowDilations) && noPadding(paddings) {
		out, err := shapeinference.ReduceWindowOp(v.shape, windowDimensions, strides, baseDilations, windowDilations, paddings)
		if err != nil {
			return nil, err
		}
		w := &window{x: b.compute(v.id), src: -1, xShape: v.shape, grid: out.Dimensions, dims: slices.Clone(windowDimensions),
			strides: ones(strides, n)}
		if len(strides) == 0 {
			w.strides = slices.Clone(windowDimensions)
		}
		r := b.kernelStep(step{win: w}, out, w.x)
		w.out = r.id
		return r, nil
	}
	return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) {
		return s.b.ReduceWindow(in[0], reductionType, windowDimensions, strides, baseDilations, windowDilations, paddings)
	}, x)
}

// SelectAndScatterMax (max pooling's gradient) runs as a window step for
// float32 without padding; others go to the current stage.
func (b *stagedBuilder) SelectAndScatterMax(operand, source backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	x, src, err := b.pair(operand, source)
	if err != nil {
		return nil, err
	}
	n := x.shape.Rank()
	if b.useKernels && x.shape.DType == dtypes.Float32 && src.shape.DType == dtypes.Float32 &&
		len(windowDimensions) == n && n > 0 && len(windowStrides) == n && noPadding(paddings) {
		grid, err := shapeinference.ReduceWindowOp(x.shape, windowDimensions, windowStrides, nil, nil, nil)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(grid.Dimensions, src.shape.Dimensions) {
			return nil, fmt.Errorf("SelectAndScatterMax: source %s does not match the %v windows of %s", src.shape, grid.Dimensions, x.shape)
		}
		w := &window{x: b.compute(x.id), src: b.compute(src.id), xShape: x.shape, grid: src.shape.Dimensions, dims: slices.Clone(windowDimensions),
			strides: slices.Clone(windowStrides), scatter: true}
		r := b.kernelStep(step{win: w}, x.shape, w.x, w.src)
		w.out = r.id
		return r, nil
	}
	return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) {
		return s.b.SelectAndScatterMax(in[0], in[1], windowDimensions, windowStrides, paddings)
	}, operand, source)
}

func allOnes(xs []int) bool {
	for _, x := range xs {
		if x != 1 {
			return false
		}
	}
	return true
}

func noPadding(p [][2]int) bool {
	for _, q := range p {
		if q != [2]int{} {
			return false
		}
	}
	return true
}
