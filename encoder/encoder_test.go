package encoder_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/model"
)

// makeCheckpoint trains an autoencoder for two steps on synthetic images
// and saves it as outDir's model, as pretraining would, returning the
// pretrain folder.
func makeCheckpoint(outDir string) (string, error) {
	be, err := backend.New("go")
	if err != nil {
		return "", err
	}
	e, err := engine.New(be, engine.DefaultOptions())
	if err != nil {
		return "", err
	}
	for i := 0; i < 2; i++ {
		if _, err := e.TrainStep(engine.Batch(data.Synthetic(32, int64(i)))); err != nil {
			return "", err
		}
	}
	run := layout.At(outDir)
	if err := engine.SaveModel(e, run.ModelCheckpoint()); err != nil {
		return "", err
	}
	return run.StageDir(layout.Pretrain), nil
}

func pretrainTiny(t *testing.T) string {
	dir, err := makeCheckpoint(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEncodeMatchesTrainingEngine(t *testing.T) {
	dir := pretrainTiny(t)
	enc, err := encoder.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	imgs := data.Synthetic(5, 9).Images
	got, err := enc.Encode(imgs)
	if err != nil {
		t.Fatal(err)
	}
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(be, engine.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Load(dir); err != nil {
		t.Fatal(err)
	}
	want, err := e.Encode(engine.Images(data.Grey28, imgs))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, tensors.MustCopyFlatData[float32](want)) {
		t.Error("encoder.Encode differs from the training engine's encoder on the same checkpoint")
	}
	if len(got) != 5*576 {
		t.Errorf("%d code values, want %d", len(got), 5*576)
	}
}

func TestLoadAndEncodeErrors(t *testing.T) {
	if _, err := encoder.Load("/nonexistent"); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := encoder.Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "hourglass pretrain") {
		t.Errorf("empty folder: %v", err)
	}
	// A GoMLX checkpoint of some other model.
	other := t.TempDir()
	ctx := gctx.New()
	ctx.InAbsPath("/encoder/conv1").VariableWithValue("weights", tensors.FromValue([]float32{1, 2}))
	h, err := checkpoints.Build(ctx).Dir(other).Done()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := encoder.Load(other); err == nil || !strings.Contains(err.Error(), "no hourglass checkpoint") {
		t.Errorf("a GoMLX checkpoint without hourglass's state record: %v", err)
	}
	// With a state record it looks like hourglass's: the shapes give it away.
	if err := os.WriteFile(filepath.Join(other, layout.StateFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := encoder.Load(other); err == nil || !strings.Contains(err.Error(), "shape") && !strings.Contains(err.Error(), "no variable") {
		t.Errorf("other model's checkpoint: %v", err)
	}
	enc, err := encoder.Load(pretrainTiny(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(make([]float32, 100)); err == nil || !strings.Contains(err.Error(), "28x28") {
		t.Errorf("100 pixels: %v", err)
	}
	if _, err := enc.EncodeTensor(tensors.FromFlatDataAndDimensions(make([]float32, 2*32*32), 2, 32, 32, 1)); err == nil || !strings.Contains(err.Error(), "[n, 28, 28, 1]") {
		t.Errorf("32x32 images: %v", err)
	}
}

// TestLoadVAE: a VAE checkpoint loads as an encoder whose codes are the
// posterior means, equal to the training engine's.
func TestLoadVAE(t *testing.T) {
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	o := engine.DefaultOptions()
	o.Spec = model.PaperVAE(6)
	e, err := engine.New(be, o)
	if err != nil {
		t.Fatal(err)
	}
	imgs := data.Synthetic(5, 4).Images
	if _, err := e.TrainStep(engine.Batch(data.Synthetic(32, 1))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := engine.SaveModel(e, layout.At(dir).ModelCheckpoint()); err != nil {
		t.Fatal(err)
	}
	enc, err := encoder.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if enc.Spec().Kind != "vae" || enc.CodeSize() != 6 {
		t.Fatalf("spec %+v, code size %d", enc.Spec(), enc.CodeSize())
	}
	got, err := enc.Encode(imgs)
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Encode(engine.Images(data.Grey28, imgs))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, tensors.MustCopyFlatData[float32](want)) {
		t.Error("the loaded VAE encoder's codes differ from the engine's posterior means")
	}
}
