package backend

import (
	"sync"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var installOnce sync.Once

// InstallGradients replaces GoMLX's gradient of Dot for matrix x matrix
// products with two matrix products: dL/dA = dL/dC . B^T and
// dL/dB = A^T . dL/dC. GoMLX's own builds a broadcast [i, j, k] product and
// sums it, which XLA fuses away and simplego executes literally. Other Dot
// ranks keep GoMLX's gradient. It also replaces the gradients of Max (same
// shapes; see MaxGradients) and of ReduceMax where the reduced axes follow
// from the shapes (see ReduceMaxGradient). Safe to call more than once.
func InstallGradients() {
	installOnce.Do(func() {
		stock := VJPRegistration[NodeTypeDot]
		VJPRegistration[NodeTypeDot] = func(node *Node, vjps []*Node, outputShape shapes.Shape) []*Node {
			in := node.Inputs()
			if in[0].Rank() != 2 || in[1].Rank() != 2 {
				return stock(node, vjps, outputShape)
			}
			return DotGradients(in[0], in[1], vjps[0])
		}
		stockMax := VJPRegistration[NodeTypeMax]
		VJPRegistration[NodeTypeMax] = func(node *Node, vjps []*Node, outputShape shapes.Shape) []*Node {
			in := node.Inputs()
			if !in[0].Shape().Equal(in[1].Shape()) {
				return stockMax(node, vjps, outputShape)
			}
			return MaxGradients(in[0], in[1], vjps[0])
		}
		stockReduceMax := VJPRegistration[NodeTypeReduceMax]
		VJPRegistration[NodeTypeReduceMax] = func(node *Node, vjps []*Node, outputShape shapes.Shape) []*Node {
			x := node.Inputs()[0]
			keep, ok := reducedShape(x.Shape(), node.Shape())
			if !ok {
				return stockReduceMax(node, vjps, outputShape)
			}
			return []*Node{ReduceMaxGradient(x, node, vjps[0], keep)}
		}
	})
}

// ReduceMaxGradient is the gradient of m = ReduceMax(x, ...) with respect
// to x, given v (shaped like m) and keep, x's shape with the reduced axes
// set to 1: v at every element equal to its maximum (all of them on ties,
// as GoMLX's own gradient), 0 elsewhere — a comparison and a select where
// GoMLX's builds the mask from Sign(Sign(x-m)+1) and multiplies.
func ReduceMaxGradient(x, m, v *Node, keep shapes.Shape) *Node {
	mb := BroadcastToShape(Reshape(m, keep.Dimensions...), x.Shape())
	vb := BroadcastToShape(Reshape(v, keep.Dimensions...), x.Shape())
	return Where(GreaterOrEqual(x, mb), vb, ScalarZero(x.Graph(), x.DType()))
}

// reducedShape works out which axes of in a reduction left out to give
// out: it succeeds only when out's dimensions embed in in's in exactly one
// way (so [128,14,2,14,2,16] -> [128,14,14,16] is axes 2 and 4, while
// [2,2] -> [2] is ambiguous), and returns in's shape with those axes set
// to 1.
func reducedShape(in, out shapes.Shape) (shapes.Shape, bool) {
	var found [][]int
	var walk func(i, j int, kept []int)
	walk = func(i, j int, kept []int) {
		if len(found) > 1 {
			return
		}
		if j == out.Rank() {
			found = append(found, append([]int(nil), kept...))
			return
		}
		for k := i; k <= in.Rank()-(out.Rank()-j); k++ {
			if in.Dimensions[k] == out.Dimensions[j] {
				walk(k+1, j+1, append(kept, k))
			}
		}
	}
	walk(0, 0, nil)
	if len(found) != 1 || out.Rank() >= in.Rank() {
		return shapes.Shape{}, false
	}
	keep := in.Clone()
	for k := range keep.Dimensions {
		keep.Dimensions[k] = 1
	}
	for _, k := range found[0] {
		keep.Dimensions[k] = in.Dimensions[k]
	}
	return keep, true
}

// MaxGradients returns the gradients of Max(x, y) (same shapes) with
// respect to x and y, given v: v where x >= y and 0 elsewhere for x, the
// rest for y — ties go to x, as in GoMLX's own gradient. GoMLX builds the
// mask as Sign(Sign(x-y)+1) and multiplies, seven element-wise operations
// that simplego runs one by one (a ReLU's gradient); this is a comparison
// and two selects.
func MaxGradients(x, y, v *Node) []*Node {
	mask := GreaterOrEqual(x, y)
	zero := ScalarZero(v.Graph(), v.DType())
	return []*Node{Where(mask, v, zero), Where(mask, zero, v)}
}

// DotGradients returns the gradients of Dot(a, b) (matrices) with respect
// to a and b, given v, the gradient with respect to the product.
func DotGradients(a, b, v *Node) []*Node {
	// dA[i, j] = sum_k v[i, k] b[j, k]; dB[j, k] = sum_i a[i, j] v[i, k].
	da := DotGeneral(v, []int{1}, nil, b, []int{1}, nil)
	db := DotGeneral(a, []int{0}, nil, v, []int{0}, nil)
	return []*Node{da, db}
}
