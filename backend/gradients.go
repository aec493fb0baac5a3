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
// ranks keep GoMLX's gradient. Safe to call more than once.
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
	})
}

// DotGradients returns the gradients of Dot(a, b) (matrices) with respect
// to a and b, given v, the gradient with respect to the product.
func DotGradients(a, b, v *Node) []*Node {
	// dA[i, j] = sum_k v[i, k] b[j, k]; dB[j, k] = sum_i a[i, j] v[i, k].
	da := DotGeneral(v, []int{1}, nil, b, []int{1}, nil)
	db := DotGeneral(a, []int{0}, nil, v, []int{0}, nil)
	return []*Node{da, db}
}
