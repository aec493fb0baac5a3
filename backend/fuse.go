package backend

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Element-wise operations on float32 (and the bool masks of comparisons)
// are not run one by one: the staged builder records them as expressions
// and computes an expression only when something else needs its values —
// a product, a convolution, pooling, a transpose, a sum, a stage or the
// graph's outputs. Then one fused step evaluates the whole expression in
// one pass over memory, split across the cores (fused_exec.go), reading
// the values the expression starts from (its leaves) and writing only its
// result. A Reshape of a computed value is an alias: kernels read the same
// flat data, a stage reshapes its own copy of the parameter.
//
// An expression whose leaves a still-open stage computes, needed by that
// same stage, is built inside the stage with simplego's operations
// instead, as before; that way fusion never splits a stage. So is a
// stage's expression of constants alone.

// lazyStage is the origin stage of values that are not computed yet:
// aliases and expressions.
const lazyStage = -2

type opcode uint8

const (
	opConst     opcode = iota // k
	opSplat                   // a size-one value broadcast to the node's shape
	opBroadcast               // BroadcastInDim of a leaf (args[0], seen with srcDims)
	opRelabel                 // the same values under another shape (Reshape, Identity, bool -> float32)
	opNeg
	opAbs
	opSqrt
	opAdd
	opSub
	opMul
	opDiv
	opMax
	opMin
	opGE
	opGT
	opLE
	opLT
	opWhere
	opLoad // (evaluation only) a leaf's first value
)

// maxFused caps an expression's nodes (shared ones counted once per use)
// before its operands are computed on their own: an operand of more than
// half of it is. At 64, Adam's update of a parameter (30 nodes for its
// step) is one expression.
const maxFused = 64

type expr struct {
	op      opcode
	args    []int // value ids
	k       float32
	axes    []int // opSplat, opBroadcast: BroadcastInDim's axes
	srcDims []int // opBroadcast: the leaf's dimensions as the operation saw them
	mat     int   // the value id holding its values once computed, or -1
	nodes   int
}

// pending returns id's expression when it is not computed yet.
func (b *stagedBuilder) pending(id int) *expr {
	if e, ok := b.exprs[id]; ok && e.mat < 0 {
		return e
	}
	return nil
}

func (b *stagedBuilder) newExpr(e *expr, shape shapes.Shape) *value {
	e.mat, e.nodes = -1, 1
	for i, a := range e.args {
		if p := b.pending(a); p != nil {
			if p.nodes > maxFused/2 {
				e.args[i] = b.compute(a)
				continue
			}
			e.nodes += p.nodes
		}
	}
	v := b.newValue(origin{stage: lazyStage}, shape)
	if b.exprs == nil {
		b.exprs = map[int]*expr{}
	}
	b.exprs[v.id] = e
	return v
}

// fusing reports whether the builder fuses operations on values of these
// shapes: hourglass's kernels on, float32 or bool.
func (b *stagedBuilder) fusing(ss ...shapes.Shape) bool {
	if !b.useKernels {
		return false
	}
	for _, s := range ss {
		if s.DType != dtypes.Float32 && s.DType != dtypes.Bool {
			return false
		}
	}
	return true
}

// fits reports whether an operand of shape s takes part element by element
// in a result of shape out: same dimensions, or a scalar.
func fits(s, out shapes.Shape) bool {
	return s.Rank() == 0 || slices.Equal(s.Dimensions, out.Dimensions)
}

// leaf resolves a value the fused step reads: an alias's target, an
// expression's computed value.
func (b *stagedBuilder) leaf(id int) int {
	if t, ok := b.aliases[id]; ok {
		return t
	}
	if e, ok := b.exprs[id]; ok {
		return e.mat
	}
	return id
}

// leaves lists the values expression id reads, in first-use order.
func (b *stagedBuilder) leaves(id int) []int {
	var out []int
	seen := map[int]bool{}
	var walk func(int)
	walk = func(id int) {
		if seen[id] {
			return
		}
		seen[id] = true
		if e := b.pending(id); e != nil {
			for _, a := range e.args {
				walk(a)
			}
			return
		}
		if l := b.leaf(id); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	walk(id)
	return out
}

// readsStage reports whether any of ids is computed in stage s.
func (b *stagedBuilder) readsStage(ids []int, s *stage) bool {
	for _, id := range ids {
		if b.origins[id].stage == s.idx {
			return true
		}
	}
	return false
}

// markRead records that a kernel step reads ids: a stage computing one of
// them must export it.
func (b *stagedBuilder) markRead(ids ...int) {
	for _, id := range ids {
		if o := b.origins[id]; o.stage >= 0 {
			b.stages[o.stage].exported[id] = true
		}
	}
}

// compute returns the id of a computed value holding v: v itself, an
// alias's target, or an expression computed by a fused step placed before
// the open stage when that stage computes none of its leaves, else after
// it (closing it).
func (b *stagedBuilder) compute(id int) int {
	e := b.pending(id)
	if e == nil {
		return b.leaf(id)
	}
	leaves := b.leaves(id)
	if b.cur != nil && b.readsStage(leaves, b.cur) {
		b.cur = nil
	}
	b.placeFused(id, leaves)
	return e.mat
}

// placeFused appends the fused step computing expression id, before the
// open stage if there is one.
func (b *stagedBuilder) placeFused(id int, leaves []int) {
	e := b.exprs[id]
	v := b.newValue(origin{stage: -1}, b.shapes[id])
	f := b.newFusion(id, leaves, v.id)
	e.mat = v.id
	b.markRead(leaves...)
	st := step{k: f}
	if b.cur != nil {
		b.steps = slices.Insert(b.steps, len(b.steps)-1, st)
		return
	}
	b.steps = append(b.steps, st)
}

// lazyLocal is local for aliases and expressions.
func (b *stagedBuilder) lazyLocal(s *stage, v *value) (backends.Op, error) {
	if t, ok := b.aliases[v.id]; ok {
		p, err := b.local(s, b.valueOf(t))
		if err != nil {
			return nil, err
		}
		return s.b.Reshape(p, v.shape.Dimensions...)
	}
	e := b.exprs[v.id]
	if e.mat < 0 {
		leaves := b.leaves(v.id)
		if len(leaves) == 0 || b.readsStage(leaves, s) {
			return b.lower(s, v.id)
		}
		b.placeFused(v.id, leaves)
	}
	return b.local(s, b.valueOf(e.mat))
}

func (b *stagedBuilder) valueOf(id int) *value { return &value{b: b, id: id, shape: b.shapes[id]} }

// lower builds expression id inside stage s with simplego's operations.
func (b *stagedBuilder) lower(s *stage, id int) (backends.Op, error) {
	if p, ok := s.imported[id]; ok {
		return p, nil
	}
	e := b.pending(id)
	if e == nil {
		return b.local(s, b.valueOf(id))
	}
	args := make([]backends.Op, len(e.args))
	for i, a := range e.args {
		var err error
		if args[i], err = b.lower(s, a); err != nil {
			return nil, err
		}
	}
	shape := b.shapes[id]
	var op backends.Op
	var err error
	switch e.op {
	case opConst:
		op, err = s.b.Constant([]float32{e.k})
	case opSplat, opBroadcast:
		op, err = s.b.BroadcastInDim(args[0], shape, e.axes)
	case opRelabel:
		if b.shapes[e.args[0]].DType != shape.DType {
			op, err = s.b.ConvertDType(args[0], shape.DType)
		} else {
			op, err = s.b.Reshape(args[0], shape.Dimensions...)
		}
	case opNeg:
		op, err = s.b.Neg(args[0])
	case opAbs:
		op, err = s.b.Abs(args[0])
	case opSqrt:
		op, err = s.b.Sqrt(args[0])
	case opAdd:
		op, err = s.b.Add(args[0], args[1])
	case opSub:
		op, err = s.b.Sub(args[0], args[1])
	case opMul:
		op, err = s.b.Mul(args[0], args[1])
	case opDiv:
		op, err = s.b.Div(args[0], args[1])
	case opMax:
		op, err = s.b.Max(args[0], args[1])
	case opMin:
		op, err = s.b.Min(args[0], args[1])
	case opGE:
		op, err = s.b.GreaterOrEqual(args[0], args[1])
	case opGT:
		op, err = s.b.GreaterThan(args[0], args[1])
	case opLE:
		op, err = s.b.LessOrEqual(args[0], args[1])
	case opLT:
		op, err = s.b.LessThan(args[0], args[1])
	case opWhere:
		op, err = s.b.Where(args[0], args[1], args[2])
	default:
		panic(fmt.Sprintf("hourglass-go: lowering opcode %d", e.op)) // cannot happen
	}
	if err != nil {
		return nil, err
	}
	s.imported[id] = op
	return op, nil
}

// unary records a unary element-wise operation, or forwards it.
func (b *stagedBuilder) unary(code opcode, t backends.OpType, x backends.Op,
	fwd func(s *stage, in []backends.Op) (backends.Op, error)) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	if !b.fusing(v.shape) || v.shape.DType != dtypes.Float32 {
		return b.forward(fwd, x)
	}
	out, err := shapeinference.UnaryOp(t, v.shape)
	if err != nil {
		return nil, err
	}
	return b.newExpr(&expr{op: code, args: []int{v.id}}, out), nil
}

// binary records a binary element-wise operation (a comparison when cmp),
// or forwards it.
func (b *stagedBuilder) binary(code opcode, t backends.OpType, cmp bool, x, y backends.Op,
	fwd func(s *stage, in []backends.Op) (backends.Op, error)) (backends.Op, error) {
	l, r, err := b.pair(x, y)
	if err != nil {
		return nil, err
	}
	if !b.fusing(l.shape, r.shape) || l.shape.DType != dtypes.Float32 || r.shape.DType != dtypes.Float32 {
		return b.forward(fwd, x, y)
	}
	var out shapes.Shape
	if cmp {
		out, err = shapeinference.ComparisonOp(t, l.shape, r.shape)
	} else {
		out, err = shapeinference.BinaryOp(t, l.shape, r.shape)
	}
	if err != nil {
		return nil, err
	}
	if !fits(l.shape, out) || !fits(r.shape, out) {
		return b.forward(fwd, x, y)
	}
	return b.newExpr(&expr{op: code, args: []int{l.id, r.id}}, out), nil
}

// Neg, Abs and Sqrt of float32 values are fused.
func (b *stagedBuilder) Neg(x backends.Op) (backends.Op, error) {
	return b.unary(opNeg, backends.OpTypeNeg, x, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Neg(in[0]) })
}

// Abs is fused for float32.
func (b *stagedBuilder) Abs(x backends.Op) (backends.Op, error) {
	return b.unary(opAbs, backends.OpTypeAbs, x, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Abs(in[0]) })
}

// Sqrt is fused for float32.
func (b *stagedBuilder) Sqrt(x backends.Op) (backends.Op, error) {
	return b.unary(opSqrt, backends.OpTypeSqrt, x, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Sqrt(in[0]) })
}

// Add is fused for float32 operands of one shape (or a scalar).
func (b *stagedBuilder) Add(x, y backends.Op) (backends.Op, error) {
	return b.binary(opAdd, backends.OpTypeAdd, false, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Add(in[0], in[1]) })
}

// Sub is fused like Add.
func (b *stagedBuilder) Sub(x, y backends.Op) (backends.Op, error) {
	return b.binary(opSub, backends.OpTypeSub, false, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Sub(in[0], in[1]) })
}

// Mul is fused like Add.
func (b *stagedBuilder) Mul(x, y backends.Op) (backends.Op, error) {
	return b.binary(opMul, backends.OpTypeMul, false, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Mul(in[0], in[1]) })
}

// Div is fused like Add.
func (b *stagedBuilder) Div(x, y backends.Op) (backends.Op, error) {
	return b.binary(opDiv, backends.OpTypeDiv, false, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Div(in[0], in[1]) })
}

// Max is fused like Add.
func (b *stagedBuilder) Max(x, y backends.Op) (backends.Op, error) {
	return b.binary(opMax, backends.OpTypeMax, false, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Max(in[0], in[1]) })
}

// Min is fused like Add.
func (b *stagedBuilder) Min(x, y backends.Op) (backends.Op, error) {
	return b.binary(opMin, backends.OpTypeMin, false, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Min(in[0], in[1]) })
}

// GreaterOrEqual is fused for float32 operands; its mask is bool.
func (b *stagedBuilder) GreaterOrEqual(x, y backends.Op) (backends.Op, error) {
	return b.binary(opGE, backends.OpTypeGreaterOrEqual, true, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.GreaterOrEqual(in[0], in[1]) })
}

// GreaterThan is fused like GreaterOrEqual.
func (b *stagedBuilder) GreaterThan(x, y backends.Op) (backends.Op, error) {
	return b.binary(opGT, backends.OpTypeGreaterThan, true, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.GreaterThan(in[0], in[1]) })
}

// LessOrEqual is fused like GreaterOrEqual.
func (b *stagedBuilder) LessOrEqual(x, y backends.Op) (backends.Op, error) {
	return b.binary(opLE, backends.OpTypeLessOrEqual, true, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.LessOrEqual(in[0], in[1]) })
}

// LessThan is fused like GreaterOrEqual.
func (b *stagedBuilder) LessThan(x, y backends.Op) (backends.Op, error) {
	return b.binary(opLT, backends.OpTypeLessThan, true, x, y, func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.LessThan(in[0], in[1]) })
}

// Where is fused for a bool condition and float32 values, each of the
// result's shape or a scalar.
func (b *stagedBuilder) Where(cond, onTrue, onFalse backends.Op) (backends.Op, error) {
	fwd := func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Where(in[0], in[1], in[2]) }
	c, err := b.value(cond)
	if err != nil {
		return nil, err
	}
	t, f, err := b.pair(onTrue, onFalse)
	if err != nil {
		return nil, err
	}
	if !b.fusing(c.shape, t.shape, f.shape) || c.shape.DType != dtypes.Bool || t.shape.DType != dtypes.Float32 {
		return b.forward(fwd, cond, onTrue, onFalse)
	}
	out, err := shapeinference.WhereOp(c.shape, t.shape, f.shape)
	if err != nil {
		return nil, err
	}
	if !fits(c.shape, out) || !fits(t.shape, out) || !fits(f.shape, out) {
		return b.forward(fwd, cond, onTrue, onFalse)
	}
	return b.newExpr(&expr{op: opWhere, args: []int{c.id, t.id, f.id}}, out), nil
}

// BroadcastInDim of float32 values is fused: a size-one value is splat, a
// larger one is read through an index map by the fused step.
func (b *stagedBuilder) BroadcastInDim(x backends.Op, shape shapes.Shape, axes []int) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	if !b.fusing(v.shape) || v.shape.DType != dtypes.Float32 {
		return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.BroadcastInDim(in[0], shape, axes) }, x)
	}
	if err := shapeinference.BroadcastInDimOp(v.shape, shape, axes); err != nil {
		return nil, err
	}
	if v.shape.Size() == 1 {
		return b.newExpr(&expr{op: opSplat, args: []int{v.id}, axes: slices.Clone(axes)}, shape), nil
	}
	src := b.compute(v.id)
	return b.newExpr(&expr{op: opBroadcast, args: []int{src}, axes: slices.Clone(axes), srcDims: v.shape.Dimensions}, shape), nil
}

// relabel gives v's values another shape: an expression node for an
// expression, an alias for a computed value outside the open stage.
func (b *stagedBuilder) relabel(v *value, shape shapes.Shape) (backends.Op, bool) {
	if !b.useKernels {
		return nil, false
	}
	if b.pending(v.id) != nil {
		return b.newExpr(&expr{op: opRelabel, args: []int{v.id}}, shape), true
	}
	if shape.DType != v.shape.DType {
		return nil, false
	}
	t := b.leaf(v.id)
	if o := b.origins[t]; b.cur != nil && o.stage == b.cur.idx {
		return nil, false
	}
	a := b.newValue(origin{stage: lazyStage}, shape)
	if b.aliases == nil {
		b.aliases = map[int]int{}
	}
	b.aliases[a.id] = t
	return a, true
}

// Reshape is an alias or an expression node where relabel allows.
func (b *stagedBuilder) Reshape(x backends.Op, dims ...int) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	out, err := shapeinference.ReshapeOp(v.shape, dims)
	if err != nil {
		return nil, err
	}
	if r, ok := b.relabel(v, out); ok {
		return r, nil
	}
	return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Reshape(in[0], dims...) }, x)
}

// Identity is handled like Reshape.
func (b *stagedBuilder) Identity(x backends.Op) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	if r, ok := b.relabel(v, v.shape); ok {
		return r, nil
	}
	return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Identity(in[0]) }, x)
}

// ConvertDType of a bool mask to float32 (0 or 1) is fused.
func (b *stagedBuilder) ConvertDType(x backends.Op, dtype dtypes.DType) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	if b.fusing(v.shape) && v.shape.DType == dtypes.Bool && dtype == dtypes.Float32 {
		return b.newExpr(&expr{op: opRelabel, args: []int{v.id}}, shapes.Make(dtype, v.shape.Dimensions...)), nil
	}
	return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.ConvertDType(in[0], dtype) }, x)
}

// Transpose of float32 values is a transpose step.
func (b *stagedBuilder) Transpose(x backends.Op, perm ...int) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	if !b.useKernels || v.shape.DType != dtypes.Float32 {
		return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Transpose(in[0], perm...) }, x)
	}
	out, err := shapeinference.TransposeOp(v.shape, perm)
	if err != nil {
		return nil, err
	}
	in := b.compute(v.id)
	t := newTransposeStep(in, -1, v.shape.Dimensions, perm)
	r := b.kernelStep(step{k: t}, out, in)
	t.out = r.id
	return r, nil
}

// ReduceSum of float32 values is a sum step.
func (b *stagedBuilder) ReduceSum(x backends.Op, axes ...int) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	if !b.useKernels || v.shape.DType != dtypes.Float32 {
		return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.ReduceSum(in[0], axes...) }, x)
	}
	if len(axes) == 0 { // all of them, as simplego takes it
		axes = make([]int, v.shape.Rank())
		for i := range axes {
			axes[i] = i
		}
	}
	out, err := shapeinference.ReduceOp(v.shape, axes)
	if err != nil {
		return nil, err
	}
	in := b.compute(v.id)
	s := newSumStep(in, -1, v.shape.Dimensions, axes)
	r := b.kernelStep(step{k: s}, out, in)
	s.out = r.id
	return r, nil
}

// Slice of float32 values is a slice step.
func (b *stagedBuilder) Slice(x backends.Op, starts, limits, strides []int) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	if !b.useKernels || v.shape.DType != dtypes.Float32 {
		return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) {
			return s.b.Slice(in[0], starts, limits, strides)
		}, x)
	}
	out, err := shapeinference.SliceOp(v.shape, starts, limits, strides)
	if err != nil {
		return nil, err
	}
	st := ones(strides, v.shape.Rank())
	in := b.compute(v.id)
	s := &sliceStep{in: in, inSt: rowMajorStrides(v.shape.Dimensions), starts: slices.Clone(starts), strides: st,
		outDims: out.Dimensions, size: out.Size()}
	r := b.kernelStep(step{k: s}, out, in)
	s.out = r.id
	return r, nil
}

// Concatenate of float32 values is a concatenation step.
func (b *stagedBuilder) Concatenate(axis int, operands ...backends.Op) (backends.Op, error) {
	vs := make([]*value, len(operands))
	shs := make([]shapes.Shape, len(operands))
	f32 := b.useKernels
	for i, op := range operands {
		v, err := b.value(op)
		if err != nil {
			return nil, err
		}
		vs[i], shs[i] = v, v.shape
		f32 = f32 && v.shape.DType == dtypes.Float32
	}
	if !f32 || len(operands) == 0 {
		return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Concatenate(axis, in...) }, operands...)
	}
	out, err := shapeinference.ConcatenateOp(shs, axis)
	if err != nil {
		return nil, err
	}
	c := &concatStep{outer: 1}
	for _, d := range out.Dimensions[:axis] {
		c.outer *= d
	}
	for _, v := range vs {
		c.ins = append(c.ins, b.compute(v.id))
		c.runs = append(c.runs, v.shape.Size()/max(1, c.outer))
	}
	r := b.kernelStep(step{k: c}, out, c.ins...)
	c.out = r.id
	return r, nil
}

// Pad of float32 values with non-negative edges and no interior padding
// is a padding step; other paddings go to the current stage.
func (b *stagedBuilder) Pad(x, fill backends.Op, cfg ...backends.PadAxis) (backends.Op, error) {
	v, f, err := b.pair(x, fill)
	if err != nil {
		return nil, err
	}
	simple := b.useKernels && v.shape.DType == dtypes.Float32 && f.shape.DType == dtypes.Float32 &&
		f.shape.Rank() == 0 && len(cfg) <= v.shape.Rank()
	for _, p := range cfg {
		simple = simple && p.Start >= 0 && p.End >= 0 && p.Interior == 0
	}
	if !simple {
		return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Pad(in[0], in[1], cfg...) }, x, fill)
	}
	dims := slices.Clone(v.shape.Dimensions)
	lo := make([]int, len(dims))
	for a, p := range cfg {
		dims[a] += p.Start + p.End
		lo[a] = p.Start
	}
	out := shapes.Make(dtypes.Float32, dims...)
	p := &padStep{in: b.compute(v.id), fill: b.compute(f.id), inDims: v.shape.Dimensions, lo: lo, outSt: rowMajorStrides(dims)}
	r := b.kernelStep(step{k: p}, out, p.in, p.fill)
	p.out = r.id
	return r, nil
}

// Reverse of float32 values is a reverse step.
func (b *stagedBuilder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	v, err := b.value(x)
	if err != nil {
		return nil, err
	}
	ok := b.useKernels && v.shape.DType == dtypes.Float32
	rev := make([]bool, v.shape.Rank())
	for _, a := range axes {
		ok = ok && a >= 0 && a < len(rev)
		if ok {
			rev[a] = true
		}
	}
	if !ok {
		return b.forward(func(s *stage, in []backends.Op) (backends.Op, error) { return s.b.Reverse(in[0], axes...) }, x)
	}
	in := b.compute(v.id)
	r := &reverseStep{in: in, dims: v.shape.Dimensions, rev: rev}
	res := b.kernelStep(step{k: r}, v.shape, in)
	r.out = res.id
	return res, nil
}

// computeOutputs computes, each by a fused step placed before the final
// stage, the outputs that are still expressions with values to read (an
// expression of constants alone is left to the stage, as is one the open
// stage has already built because one of its operations reads it). First
// those that another output's expression reads, such as an optimiser's
// moments, which its update of the parameter reads too: the steps after
// read them instead of evaluating them again. Ids alone would order them
// well enough (an operand's id is below its reader's), but then each
// parameter's moments and update would alternate, and the groups of small
// steps (staged_group.go) would end at every update; this way the moments
// of all the parameters form one group and the updates another. An
// output left to the final stage would be built there with simplego's
// operations whenever it read a value of that stage, as Adam's updates
// read its learning rate. Outputs that are not this builder's values are
// left for Compile to reject.
func (b *stagedBuilder) computeOutputs(outputs []backends.Op) {
	isOut := map[int]bool{}
	for _, op := range outputs {
		v, ok := op.(*value)
		if !ok || v == nil || v.b != b || b.pending(v.id) == nil {
			continue
		}
		if b.cur != nil {
			if _, built := b.cur.imported[v.id]; built {
				continue
			}
		}
		isOut[v.id] = true
	}
	read := map[int]bool{} // outputs another output's expression reads
	for id := range isOut {
		for x := range b.pendingTree(id) {
			if x != id && isOut[x] {
				read[x] = true
			}
		}
	}
	ids := slices.Sorted(maps.Keys(read))
	for _, id := range slices.Sorted(maps.Keys(isOut)) {
		if !read[id] {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if len(b.leaves(id)) > 0 {
			b.compute(id)
		}
	}
}

// pendingTree returns the expressions not computed yet that expression id
// is made of, itself included.
func (b *stagedBuilder) pendingTree(id int) map[int]bool {
	seen := map[int]bool{}
	var walk func(int)
	walk = func(x int) {
		e := b.pending(x)
		if e == nil || seen[x] {
			return
		}
		seen[x] = true
		for _, a := range e.args {
			walk(a)
		}
	}
	walk(id)
	return seen
}
