package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Dot sends matrix products through DotGeneral below.
func (b *Builder) Dot(lhs, rhs backends.Op) (backends.Op, error) {
	ls, err := b.OpShape(lhs)
	if err != nil {
		return nil, err
	}
	rs, err := b.OpShape(rhs)
	if err != nil {
		return nil, err
	}
	if ls.Rank() == 2 && rs.Rank() == 2 {
		return b.DotGeneral(lhs, []int{1}, nil, rhs, []int{0}, nil)
	}
	return b.Builder.Dot(lhs, rhs)
}

// DotGeneral steers simplego's two matrix-product paths for plain matrix
// products (no batch axes), computing the same result:
//
//   - simplego's "large" path copies operands into 32x32 blocks, padding
//     every dimension to a multiple of 32. With a contraction or an output
//     dimension far below 32 (a 3x3 convolution over one channel: K = 9)
//     most of the work is padding. Such products are split along their long
//     output axis into a batch of products small enough for the "small"
//     path, which pads nothing and runs the batch on every core.
//   - the "small" path parallelises only over batch axes, so a small result
//     with a long contraction (a weight gradient: K = batch x pixels) runs
//     on one core. The contraction is split into a batch of chunks and the
//     partial products summed.
func (b *Builder) DotGeneral(lhs backends.Op, lhsContracting, lhsBatch []int, rhs backends.Op, rhsContracting, rhsBatch []int) (backends.Op, error) {
	if p, ok := b.planDot(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch); ok {
		return p.build(b)
	}
	return b.Builder.DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
}

// smallPathMax is the largest output (per batch element) simplego computes
// with its small path: 16 blocks.
func smallPathMax(dtype dtypes.DType) int {
	d := 1 << simplego.DotGeneralTargetBlockLog2Dim[dtype]
	return 16 * d * d
}

// dotPlan is a rewritten plain matrix product.
type dotPlan struct {
	lhs, rhs      backends.Op
	lc, rc        int // contracting axis of each operand (0 or 1)
	m, k, n       int
	splitRows     int // > 1: batch of row chunks of lhs
	splitContract int // > 1: batch of contraction chunks
}

func (b *Builder) planDot(lhs backends.Op, lc, lb []int, rhs backends.Op, rc, rb []int) (*dotPlan, bool) {
	if len(lb) > 0 || len(rb) > 0 || len(lc) != 1 || len(rc) != 1 {
		return nil, false
	}
	ls, err1 := b.OpShape(lhs)
	rs, err2 := b.OpShape(rhs)
	if err1 != nil || err2 != nil || ls.Rank() != 2 || rs.Rank() != 2 || !ls.DType.IsFloat() {
		return nil, false
	}
	p := &dotPlan{lhs: lhs, rhs: rhs, lc: lc[0], rc: rc[0]}
	p.m, p.k, p.n = ls.Dimensions[1-p.lc], ls.Dimensions[p.lc], rs.Dimensions[1-p.rc]
	limit := smallPathMax(ls.DType)
	blk := 1 << simplego.DotGeneralTargetBlockLog2Dim[ls.DType]
	pad := func(d int) float64 { return float64((d+blk-1)/blk*blk) / float64(d) }
	if p.m*p.n > limit {
		// Large path: worth avoiding when padding more than doubles the work.
		if pad(p.k)*pad(p.n)*pad(p.m) <= 2 {
			return nil, false
		}
		p.splitRows = divisorAtLeast(p.m, (p.m*p.n+limit-1)/limit)
		return p, p.splitRows > 1
	}
	// Small path: split a long contraction across cores.
	if p.k < 4096 {
		return nil, false
	}
	p.splitContract = divisorAtLeast(p.k, 8)
	return p, p.splitContract > 1 && p.k/p.splitContract >= 256
}

// divisorAtLeast returns the smallest divisor of n that is >= want, or 1
// if it would exceed n/2.
func divisorAtLeast(n, want int) int {
	for d := max(want, 2); d <= n/2; d++ {
		if n%d == 0 {
			return d
		}
	}
	return 1
}

func (p *dotPlan) build(b *Builder) (backends.Op, error) {
	c := &composer{b: b}
	var out backends.Op
	switch {
	case p.splitRows > 1:
		// lhs rows -> [P, m/P, k] (or [k, P, m/P]); rhs broadcast to [P, ...].
		P := p.splitRows
		var lhs backends.Op
		var lBatch, lContract int
		if p.lc == 1 {
			lhs, lBatch, lContract = c.reshape(p.lhs, P, p.m/P, p.k), 0, 2
		} else {
			lhs, lBatch, lContract = c.reshape(p.lhs, p.k, P, p.m/P), 1, 0
		}
		rs := c.shape(p.rhs)
		rhs := c.do(b.Builder.BroadcastInDim(p.rhs, shapes.Make(rs.DType, append([]int{P}, rs.Dimensions...)...), []int{1, 2}))
		out = c.do(b.Builder.DotGeneral(lhs, []int{lContract}, []int{lBatch}, rhs, []int{p.rc + 1}, []int{0}))
		out = c.reshape(out, p.m, p.n)
	default:
		// Contraction -> batch of P chunks, partial products summed.
		P := p.splitContract
		split := func(x backends.Op, contract, other int) (backends.Op, int, int) {
			if contract == 1 {
				return c.reshape(x, other, P, p.k/P), 1, 2
			}
			return c.reshape(x, P, p.k/P, other), 0, 1
		}
		lhs, lB, lC := split(p.lhs, p.lc, p.m)
		rhs, rB, rC := split(p.rhs, p.rc, p.n)
		out = c.do(b.Builder.DotGeneral(lhs, []int{lC}, []int{lB}, rhs, []int{rC}, []int{rB}))
		if c.err == nil {
			out = c.do(b.Builder.ReduceSum(out, 0))
		}
	}
	return out, c.err
}
