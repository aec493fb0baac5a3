package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// composer builds an operation out of simplego's operations, keeping the
// first error so compositions read as straight-line code.
type composer struct {
	b   *Builder
	err error
}

func (c *composer) do(op backends.Op, err error) backends.Op {
	if c.err == nil && err != nil {
		c.err = err
	}
	return op
}

func (c *composer) shape(x backends.Op) shapes.Shape {
	if c.err != nil {
		return shapes.Shape{}
	}
	s, err := c.b.OpShape(x)
	c.do(nil, err)
	return s
}

func (c *composer) slice(x backends.Op, starts, limits, strides []int) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Builder.Slice(x, starts, limits, strides))
}

// sliceAxis slices [from, to) with the given stride along one axis.
func (c *composer) sliceAxis(x backends.Op, axis, from, to, stride int) backends.Op {
	s := c.shape(x)
	if c.err != nil {
		return nil
	}
	starts := make([]int, s.Rank())
	limits := append([]int(nil), s.Dimensions...)
	strides := make([]int, s.Rank())
	for i := range strides {
		strides[i] = 1
	}
	starts[axis], limits[axis], strides[axis] = from, to, stride
	return c.slice(x, starts, limits, strides)
}

func (c *composer) concat(axis int, xs ...backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	if len(xs) == 1 {
		return xs[0]
	}
	return c.do(c.b.Builder.Concatenate(axis, xs...))
}

func (c *composer) reshape(x backends.Op, dims ...int) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Builder.Reshape(x, dims...))
}

// fill broadcasts the scalar v to shape s.
func (c *composer) fill(v backends.Op, s shapes.Shape) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Builder.BroadcastInDim(v, s, nil))
}

// scalar returns a constant of the given dtype.
func (c *composer) scalar(dtype dtypes.DType, v float64) backends.Op {
	if c.err != nil {
		return nil
	}
	op := c.do(c.b.Builder.Constant([]float64{v}))
	op = c.reshape(op)
	if dtype != dtypes.Float64 && c.err == nil {
		op = c.do(c.b.Builder.ConvertDType(op, dtype))
	}
	return op
}

func (c *composer) binary(f func(a, b backends.Op) (backends.Op, error), a, b backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(f(a, b))
}

func withDim(s shapes.Shape, axis, dim int) shapes.Shape {
	out := s.Clone()
	out.Dimensions[axis] = dim
	return out
}
