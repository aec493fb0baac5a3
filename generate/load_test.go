package generate

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/model"
)

// TestLoadOtherShapes: a checkpoint whose variables have other shapes is
// an error naming the checkpoint folder and both shapes (a rank-1 VAE
// dense layer used to panic).
func TestLoadOtherShapes(t *testing.T) {
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(be, engine.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.TrainStep(engine.Batch(data.Synthetic(16, 1))); err != nil {
		t.Fatal(err)
	}
	ae := filepath.Join(t.TempDir(), "ae")
	if err := engine.SaveModel(e, ae); err != nil {
		t.Fatal(err)
	}
	trained, _, err := engine.ReadVariables(ae)
	if err != nil {
		t.Fatal(err)
	}
	conv1 := gctx.VariableParameterNameFromScopeAndName("/"+model.EncoderScope+"/conv1", "weights")
	gaussian := gctx.VariableParameterNameFromScopeAndName("/"+model.EncoderScope+"/"+model.GaussianScope, "weights")
	want, err := model.EncoderShapes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		vars  map[string]*tensors.Tensor
		wants []string // in the error, besides the folder
	}{
		{"rank-1 gaussian", map[string]*tensors.Tensor{gaussian: tensors.FromFlatDataAndDimensions(make([]float32, 4), 4)},
			[]string{gaussian, "[4]"}},
		// The first convolution with 8 filters instead of the model's.
		{"conv1 of another shape", map[string]*tensors.Tensor{conv1: tensors.FromFlatDataAndDimensions(make([]float32, 3*3*8), 3, 3, 1, 8)},
			[]string{"[3 3 1 8]", fmt.Sprint(want[conv1])}},
	} {
		ctx := gctx.New()
		for name, v := range trained {
			if v2, ok := c.vars[name]; ok {
				v = v2
			}
			scope, vname := gctx.VariableScopeAndNameFromParameterName(name)
			ctx.InAbsPath(scope).VariableWithValue(vname, v)
		}
		for name, v := range c.vars {
			if _, ok := trained[name]; !ok {
				scope, vname := gctx.VariableScopeAndNameFromParameterName(name)
				ctx.InAbsPath(scope).VariableWithValue(vname, v)
			}
		}
		dir := filepath.Join(t.TempDir(), "ckpt")
		if err := engine.SaveCheckpoint(ctx, dir, struct{}{}); err != nil {
			t.Fatal(err)
		}
		_, err := load(be, engine.DefaultOptions(), dir, model.Paper().Input)
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		for _, w := range append(c.wants, dir) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error does not say %q: %v", c.name, w, err)
			}
		}
	}
}
