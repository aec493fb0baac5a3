package engine_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
)

// smallCheckpoint saves a two-variable context as a checkpoint and returns
// its state record, metadata (.json) and data (.bin) files.
func smallCheckpoint(t testing.TB) (state, meta, bin []byte) {
	t.Helper()
	ctx := context.New()
	ctx.InAbsPath("/encoder/conv1").VariableWithValue("weights", tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	ctx.InAbsPath("/encoder/conv1").VariableWithValue("biases", tensors.FromFlatDataAndDimensions([]float32{7, 8}, 2))
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := engine.SaveCheckpoint(ctx, dir, map[string]int{"epoch": 3}); err != nil {
		t.Fatal(err)
	}
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
		case e.Name() == layout.StateFile:
			state = b
		case strings.HasSuffix(e.Name(), ".json"):
			meta = b
		case strings.HasSuffix(e.Name(), ".bin"):
			bin = b
		}
	}
	if state == nil || meta == nil || bin == nil {
		t.Fatalf("checkpoint %s lacks a state, metadata or data file: %v", dir, ents)
	}
	return state, meta, bin
}

// firstDims is the first variable's (2x3) shape in a checkpoint's metadata.
var firstDims = regexp.MustCompile(`"Dimensions": \[\s*2,\s*3\s*\]`)

// writeCheckpoint lays out a checkpoint folder of the given files.
func writeCheckpoint(t *testing.T, state, meta, bin []byte) string {
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{layout.StateFile: state, "checkpoint-n0000001-20260101-000000-initial.json": meta,
		"checkpoint-n0000001-20260101-000000-initial.bin": bin} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// FuzzReadCheckpoint feeds damaged checkpoint files (metadata and data) to
// ReadVariables and Attach: no panic, errors name the checkpoint, and
// every variable read holds as many values as its shape says.
func FuzzReadCheckpoint(f *testing.F) {
	state, meta, bin := smallCheckpoint(f)
	f.Add(meta, bin)
	f.Add(meta[:len(meta)/2], bin)
	f.Add(meta, bin[:len(bin)/2])
	f.Add(meta, bin[:17])
	for _, dims := range []string{"[3, 3]", "[-2, 3]", "[200000000, 300000000]", "[4611686018427387904, 4]"} {
		f.Add(firstDims.ReplaceAll(meta, []byte(`"Dimensions": `+dims)), bin)
	}
	f.Add([]byte(strings.Replace(string(meta), `"Float32"`, `"Complex128"`, 1)), bin)
	f.Add([]byte(`{}`), []byte{})
	f.Fuzz(func(t *testing.T, meta, bin []byte) {
		dir := writeCheckpoint(t, state, meta, bin)
		vars, _, err := engine.ReadVariables(dir)
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("ReadVariables: error does not name %s: %v", dir, err)
			}
		} else {
			for name, v := range vars {
				var got int
				if err := v.ConstBytes(func(b []byte) { got = len(b) }); err != nil {
					t.Fatalf("variable %s: %v", name, err)
				}
				if want := v.Shape().Size() * v.DType().Size(); got != want {
					t.Fatalf("variable %s %s holds %d bytes, want %d", name, v.Shape(), got, want)
				}
			}
		}
		if err := engine.Attach(context.New(), dir); err != nil && !strings.Contains(err.Error(), dir) {
			t.Fatalf("Attach: error does not name %s: %v", dir, err)
		}
	})
}

// FuzzReadState feeds damaged state records to ReadState: no panic,
// errors name the file, and a record read holds a position training
// reaches.
func FuzzReadState(f *testing.F) {
	state, meta, bin := smallCheckpoint(f)
	f.Add(state)
	f.Add(state[:len(state)/2])
	f.Add([]byte(`{"epoch": "three"}`))
	f.Add([]byte(`{"epoch": 2, "step": 5, "best_epoch": 1, "seeds": [1, 2]}`))
	f.Add([]byte(`{"step": -1}`))
	f.Add([]byte(`{"epoch": 1e400}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := writeCheckpoint(t, b, meta, bin)
		var st struct {
			engine.Progress
			Seeds []int64 `json:"seeds"`
		}
		err := engine.ReadState(dir, &st)
		if err != nil {
			if !strings.Contains(err.Error(), filepath.Join(dir, layout.StateFile)) {
				t.Fatalf("error does not name the state file: %v", err)
			}
			return
		}
		if p := st.Progress; p.Epoch < 0 || p.Step < 0 || p.BestEpoch < 0 || p.BestEpoch > p.Epoch {
			t.Fatalf("read an impossible position: %+v", p)
		}
	})
}

// TestReadStateRefusesImpossiblePositions: a state record whose position
// training never reaches is an error naming the file (a negative step
// used to reach pretraining, which slices its batch order with it).
func TestReadStateRefusesImpossiblePositions(t *testing.T) {
	_, meta, bin := smallCheckpoint(t)
	for _, rec := range []string{`{"step": -1}`, `{"epoch": -2}`, `{"epoch": 1, "best_epoch": 3}`, `{"best_epoch": -1}`} {
		dir := writeCheckpoint(t, []byte(rec), meta, bin)
		var p engine.Progress
		if err := engine.ReadState(dir, &p); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, layout.StateFile)) {
			t.Errorf("%s: %v", rec, err)
		}
	}
}

// TestReadDamagedCheckpoint: metadata GoMLX would panic on or allocate
// from is an error naming the metadata or data file (the relative scope
// was found by FuzzReadCheckpoint; the others by its seeds).
func TestReadDamagedCheckpoint(t *testing.T) {
	state, meta, bin := smallCheckpoint(t)
	dims := func(d string) []byte { return firstDims.ReplaceAll(meta, []byte(`"Dimensions": `+d)) }
	for _, c := range []struct {
		name       string
		meta, bin  []byte
		file, want string // the file named (its suffix) and what is said
	}{
		{"relative scope", []byte(strings.Replace(string(meta), "var:/encoder", "var:2encoder", 1)), bin, ".json", "not var:/scope/name"},
		{"repeated name", []byte(strings.Replace(string(meta), "conv1/biases", "conv1/weights", 1)), bin, ".json", "repeated"},
		{"relative param scope", []byte(strings.Replace(string(meta), `"Params": null`, `"Params": [{"Scope": "x", "Key": "k", "Value": 1, "ValueType": "int"}]`, 1)), bin, ".json", "not an absolute one"},
		{"negative dimension", dims("[-2, 3]"), bin, ".json", "not a tensor"},
		{"2^64 values", dims("[4611686018427387904, 4]"), bin, ".json", "not a tensor"},
		{"unknown dtype", []byte(strings.Replace(string(meta), `"Float32"`, `"InvalidDType"`, 1)), bin, ".json", "not a tensor"},
		{"null", []byte("null"), bin, ".json", "corrupt"},
		{"more values than data", dims("[200, 300]"), bin, ".bin", "truncated or corrupt"},
		{"data cut short", meta, bin[:len(bin)/2], ".bin", "corrupt gzip"},
	} {
		dir := writeCheckpoint(t, state, c.meta, c.bin)
		for _, read := range []func() error{
			func() error { _, _, err := engine.ReadVariables(dir); return err },
			func() error { return engine.Attach(context.New(), dir) },
		} {
			err := read()
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), filepath.Join(dir, "checkpoint-n0000001-20260101-000000-initial"+c.file)) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}
}
