package encoder_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/model"
)

// saveVars saves variables (by parameter name) as an hourglass checkpoint
// folder, state record included, and returns it.
func saveVars(t testing.TB, vars map[string]*tensors.Tensor) string {
	t.Helper()
	ctx := gctx.New()
	for name, v := range vars {
		scope, vname := gctx.VariableScopeAndNameFromParameterName(name)
		ctx.InAbsPath(scope).VariableWithValue(vname, v)
	}
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := engine.SaveCheckpoint(ctx, dir, struct{}{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkpointFiles returns the metadata (.json) and data (.bin) files of
// the checkpoint in dir.
func checkpointFiles(t testing.TB, dir string) (meta, bin []byte) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(e.Name(), "checkpoint-") && strings.HasSuffix(e.Name(), ".json"):
			meta = b
		case strings.HasSuffix(e.Name(), ".bin"):
			bin = b
		}
	}
	if meta == nil || bin == nil {
		t.Fatalf("no checkpoint files in %s", dir)
	}
	return meta, bin
}

// TestLoadDamaged: checkpoints of other shapes are errors that name the
// checkpoint folder and the shapes (the first case used to panic indexing
// a rank-1 tensor's second dimension).
func TestLoadDamaged(t *testing.T) {
	trained, _, err := engine.ReadVariables(pretrainTiny(t))
	if err != nil {
		t.Fatal(err)
	}
	conv1 := gctx.VariableParameterNameFromScopeAndName("/"+model.EncoderScope+"/conv1", "weights")
	gaussian := gctx.VariableParameterNameFromScopeAndName("/"+model.EncoderScope+"/"+model.GaussianScope, "weights")
	with := func(name string, v *tensors.Tensor) map[string]*tensors.Tensor {
		out := map[string]*tensors.Tensor{}
		for k, w := range trained {
			out[k] = w
		}
		out[name] = v
		return out
	}
	want, err := model.EncoderShapes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		vars  map[string]*tensors.Tensor
		wants []string // in the error, besides the folder
	}{
		// A VAE's dense layer of rank 1: its latent size cannot be read.
		{"rank-1 gaussian", map[string]*tensors.Tensor{gaussian: tensors.FromFlatDataAndDimensions(make([]float32, 4), 4)},
			[]string{gaussian, "[4]"}},
		// An odd number of mean and log-variance outputs.
		{"odd gaussian", with(gaussian, tensors.FromFlatDataAndDimensions(make([]float32, 3*5), 3, 5)), []string{gaussian, "[3 5]"}},
		// The first convolution with 8 filters instead of the model's.
		{"conv1 of another shape", with(conv1, tensors.FromFlatDataAndDimensions(make([]float32, 3*3*8), 3, 3, 1, 8)),
			[]string{conv1, "[3 3 1 8]", fmt.Sprint(want[conv1])}},
	} {
		dir := saveVars(t, c.vars)
		_, err := encoder.Load(dir)
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

// dimsRE finds a variable's dimensions in a checkpoint's metadata.
var dimsRE = regexp.MustCompile(`"Dimensions": \[[^\]]*\]`)

// FuzzLoad feeds damaged metadata of a real autoencoder checkpoint (its
// data file intact) to Load: no panic, errors name the checkpoint, and
// a loaded encoder holds every weight of its model's shapes.
func FuzzLoad(f *testing.F) {
	src, err := makeCheckpoint(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	dir, err := layout.ResolveCheckpoint(src)
	if err != nil {
		f.Fatal(err)
	}
	meta, bin := checkpointFiles(f, dir)
	f.Add(meta)
	f.Add(meta[:len(meta)/3])
	for _, dims := range []string{"[4]", "[]", "[3, 3, 1, 8]", "[-1]", "[576, 32]"} {
		f.Add(dimsRE.ReplaceAll(meta, []byte(`"Dimensions": `+dims)))
		n := 0
		f.Add(dimsRE.ReplaceAllFunc(meta, func(b []byte) []byte {
			if n++; n == 1 {
				return []byte(`"Dimensions": ` + dims)
			}
			return b
		}))
	}
	f.Add([]byte(strings.Replace(string(meta), "/conv1", "/gaussian", 1)))
	f.Fuzz(func(t *testing.T, meta []byte) {
		dir := filepath.Join(t.TempDir(), "ckpt")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{layout.StateFile: []byte("{}"),
			"checkpoint-n0000001-20260101-000000-initial.json": meta, "checkpoint-n0000001-20260101-000000-initial.bin": bin} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		enc, err := encoder.Load(dir)
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("error does not name %s: %v", dir, err)
			}
			return
		}
		want, err := model.EncoderShapesOf(enc.Spec())
		if err != nil {
			t.Fatal(err)
		}
		for name, dims := range want {
			scope, vname := gctx.VariableScopeAndNameFromParameterName(name)
			n := 1
			for _, d := range dims {
				n *= d
			}
			if got := len(enc.Weight(scope, vname)); got != n {
				t.Fatalf("weight %s holds %d values, want %d (shape %v)", name, got, n, dims)
			}
		}
	})
}
