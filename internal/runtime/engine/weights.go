package engine

import (
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Weights are copies of a context's trainable variables, by parameter name:
// an in-memory snapshot of a model, e.g. its best epoch's.
type Weights map[string]*tensors.Tensor

// Snapshot copies the trainable variables of ctx that have values.
func Snapshot(ctx *context.Context) Weights {
	out := Weights{}
	for v := range ctx.IterVariables() {
		if v.Trainable && v.HasValue() {
			out[v.ParameterName()] = clone(v.MustValue())
		}
	}
	return out
}

// Restore puts a snapshot's values back into the variables of the same
// names (copies, so the snapshot can be restored again).
func Restore(ctx *context.Context, w Weights) error {
	for v := range ctx.IterVariables() {
		if t, ok := w[v.ParameterName()]; ok {
			if err := v.SetValue(clone(t)); err != nil {
				return err
			}
		}
	}
	return nil
}

func clone(t *tensors.Tensor) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](t), t.Shape().Dimensions...)
}
