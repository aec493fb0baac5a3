package engine_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// TestLoadOtherShapes: Load of a checkpoint whose weights have other
// shapes than the engine's model is an error naming the checkpoint and
// both shapes (it used to succeed, leaving the error to the first graph
// built, without the checkpoint's name).
func TestLoadOtherShapes(t *testing.T) {
	e := testutil.Engine(t, 1)
	if _, err := e.TrainStep(engine.Batch(data.Synthetic(16, 1))); err != nil {
		t.Fatal(err)
	}
	ae := filepath.Join(t.TempDir(), "ae")
	if err := engine.SaveModel(e, ae); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Engine(t, 2).Load(ae); err != nil {
		t.Fatalf("the engine's own checkpoint: %v", err)
	}
	vars, _, err := engine.ReadVariables(ae)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		scope, name string
		value       *tensors.Tensor
		wants       []string // besides the folder; GoMLX writes shapes (Float32)[3 3 1 8], a scalar (Float32)
	}{
		// The first convolution with 8 filters instead of 16.
		{"/encoder/conv1", "weights", tensors.FromFlatDataAndDimensions(make([]float32, 3*3*8), 3, 3, 1, 8), []string{"[3 3 1 8]", "[3 3 1 16]"}},
		// A scalar bias.
		{"/encoder/conv1", "biases", tensors.FromScalar(float32(1)), []string{"shape=(Float32),", "[16]"}},
	} {
		ctx := context.New()
		for name, v := range vars {
			scope, vname := context.VariableScopeAndNameFromParameterName(name)
			if scope == c.scope && vname == c.name {
				v = c.value
			}
			ctx.InAbsPath(scope).VariableWithValue(vname, v)
		}
		dir := filepath.Join(t.TempDir(), "ckpt")
		if err := engine.SaveCheckpoint(ctx, dir, struct{}{}); err != nil {
			t.Fatal(err)
		}
		err := testutil.Engine(t, 2).Load(dir)
		if err == nil {
			t.Errorf("%s/%s: loaded", c.scope, c.name)
			continue
		}
		for _, w := range append(c.wants, dir) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s/%s: error does not say %q: %v", c.scope, c.name, w, err)
			}
		}
	}
}
