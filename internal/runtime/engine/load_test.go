package engine_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
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

// TestLoadWeights: LoadWeights gives an engine of another seed the very
// weights of a checkpoint and nothing else: one training step from there
// equals one step of a fresh optimiser from a snapshot of those weights
// (SetWeights, an independent path), and differs from a step of the
// trained engine, whose Adam moments carry on. A checkpoint of another
// architecture is refused, naming the folder and both models.
func TestLoadWeights(t *testing.T) {
	s := testutil.TinySplits(t, 256, 1, 1)
	a := testutil.Engine(t, 1)
	for i := 0; i < 3; i++ {
		if _, err := a.TrainStep(engine.Batch(s.Train.Slice(64*i, 64*i+64))); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := engine.SaveModel(a, dir); err != nil {
		t.Fatal(err)
	}
	b := testutil.Engine(t, 7)
	got, err := b.LoadWeights(dir)
	if err != nil || got != dir {
		t.Fatalf("LoadWeights = %q, %v", got, err)
	}
	want := a.Weights()
	equal := func(what string, x, y engine.Weights) bool {
		t.Helper()
		if len(x) != len(y) || len(x) == 0 {
			t.Fatalf("%s: %d weights against %d", what, len(x), len(y))
		}
		for name, tx := range x {
			if !reflect.DeepEqual(tensors.MustCopyFlatData[float32](tx), tensors.MustCopyFlatData[float32](y[name])) {
				return false
			}
		}
		return true
	}
	if !equal("loaded", b.Weights(), want) {
		t.Fatal("the loaded weights differ from the checkpoint's")
	}
	c := testutil.Engine(t, 9)
	if _, err := c.Loss(engine.Batch(s.Train.Slice(0, 1))); err != nil { // creates the variables
		t.Fatal(err)
	}
	if err := c.SetWeights(want); err != nil {
		t.Fatal(err)
	}
	batch := engine.Batch(s.Train.Slice(192, 256))
	for _, e := range []*engine.Engine{a, b, c} {
		if _, err := e.TrainStep(batch); err != nil {
			t.Fatal(err)
		}
	}
	if !equal("fresh optimisers", b.Weights(), c.Weights()) {
		t.Error("a step after LoadWeights differs from a fresh optimiser's step from the same weights")
	}
	if equal("carried-on optimiser", b.Weights(), a.Weights()) {
		t.Error("a step after LoadWeights equals the trained engine's: its optimiser state came along")
	}

	o := engine.DefaultOptions()
	o.Spec.Code = 8
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	dense, err := engine.New(be, o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dense.LoadWeights(dir)
	for _, w := range []string{dir, "ae 28x28x1 [16 32 64] map 576", "ae 28x28x1 [16 32 64] dense 8"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("loading into another architecture: %v, want it to say %q", err, w)
		}
	}
}

// TestModelHash: the hash names the model, not the files: the same
// engine saved twice, under other names and times, hashes alike, through
// any of the paths that lead to it; one more training step or another
// architecture changes it.
func TestModelHash(t *testing.T) {
	s := testutil.TinySplits(t, 128, 1, 1)
	e := testutil.Engine(t, 1)
	if _, err := e.TrainStep(engine.Batch(s.Train.Slice(0, 64))); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	first := layout.At(root).ModelCheckpoint()
	if err := engine.SaveModel(e, first); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(t.TempDir(), "copy")
	if err := engine.SaveModel(e, second); err != nil {
		t.Fatal(err)
	}
	hash := func(path string) string {
		t.Helper()
		h, err := engine.ModelHash(path)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := hash(first)
	if len(h) != 64 {
		t.Fatalf("hash %q is no hex SHA-256", h)
	}
	for _, p := range []string{root, layout.At(root).StageDir(layout.Pretrain), second} {
		if got := hash(p); got != h {
			t.Errorf("%s hashes to %s, %s to %s", p, got, first, h)
		}
	}
	if _, err := e.TrainStep(engine.Batch(s.Train.Slice(64, 128))); err != nil {
		t.Fatal(err)
	}
	if err := engine.SaveModel(e, second); err != nil {
		t.Fatal(err)
	}
	if hash(second) == h {
		t.Error("one more training step left the hash as it was")
	}
	if _, err := engine.ModelHash(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no hourglass checkpoint") {
		t.Errorf("the hash of an empty folder: %v", err)
	}
}
