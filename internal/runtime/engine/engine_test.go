package engine_test

import (
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
	"github.com/hourglass-ml/hourglass/model"
)

// trainLosses trains steps minibatches of size batch, in order, and
// returns the loss of each.
func trainLosses(t *testing.T, e *engine.Engine, s *data.Set, steps, batch int) []float64 {
	t.Helper()
	var out []float64
	for i := 0; i < steps; i++ {
		from := (i * batch) % (s.Len() - batch)
		l, err := e.TrainStep(engine.Batch(s.Slice(from, from+batch)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestTrainingLowersLossOnRealData: 300 steps of batch 32 on real images
// must lower the held-out MSE well below its starting value.
func TestTrainingLowersLossOnRealData(t *testing.T) {
	s := testutil.RealSplits(t, 9600)
	val := s.Validation.Slice(0, 1000)
	e := testutil.Engine(t, 1)
	before, err := e.MeanLoss(val, 250)
	if err != nil {
		t.Fatal(err)
	}
	trainLosses(t, e, s.Train, 300, 32)
	after, err := e.MeanLoss(val, 250)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("validation MSE %.4f -> %.4f after 300 steps", before, after)
	// An all-zero reconstruction scores about 0.17 on Fashion-MNIST; the
	// mean image about 0.09. 300 steps must beat the mean image clearly.
	if !(after < 0.6*before && after < 0.06) {
		t.Errorf("validation MSE %.4f -> %.4f: training did not learn", before, after)
	}
}

func TestSameSeedSameLosses(t *testing.T) {
	s := testutil.RealSplits(t, 2000)
	a := trainLosses(t, testutil.Engine(t, 3), s.Train, 15, 64)
	b := trainLosses(t, testutil.Engine(t, 3), s.Train, 15, 64)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("step %d: loss %v then %v with the same seed", i, a[i], b[i])
		}
	}
	c := trainLosses(t, testutil.Engine(t, 4), s.Train, 15, 64)
	if c[0] == a[0] {
		t.Errorf("seeds 3 and 4 start from the same loss %v: is the seed used?", a[0])
	}
}

// TestModelRoundTrip: a saved model loads into fresh engines that encode
// alike, and unlike an untrained one; loading from the output folder, the
// pretrain folder and the checkpoint folder gives the same model.
func TestModelRoundTrip(t *testing.T) {
	cfg := testutil.TinyConfig(t)
	testutil.Pretrained(t, cfg, testutil.TinySplits(t, 128, 1, 1))
	x := engine.Batch(data.Synthetic(8, 2))
	codes := func(e *engine.Engine) []float32 {
		c, err := e.Encode(x)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](c)
	}
	var loaded [][]float32
	for i, path := range []string{cfg.OutputDir, filepath.Join(cfg.OutputDir, "pretrain"), filepath.Join(cfg.OutputDir, "pretrain", "checkpoint-last")} {
		e := testutil.Engine(t, int64(5+i))
		if err := e.Load(path); err != nil {
			t.Fatal(err)
		}
		loaded = append(loaded, codes(e))
	}
	for i := 1; i < len(loaded); i++ {
		if !reflect.DeepEqual(loaded[0], loaded[i]) {
			t.Errorf("load %d encodes differently from load 0", i)
		}
	}
	if reflect.DeepEqual(loaded[0], codes(testutil.Engine(t, 5))) {
		t.Error("the loaded engine encodes like an untrained one")
	}
	if err := testutil.Engine(t, 1).Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no hourglass checkpoint") {
		t.Errorf("loading an empty folder: %v", err)
	}
}

// TestSnapshotRestore: weights restored from a snapshot give back the
// snapshot's losses exactly, after training moved them.
func TestSnapshotRestore(t *testing.T) {
	s := testutil.TinySplits(t, 256, 64, 1)
	e := testutil.Engine(t, 1) // seed 2's output layer starts dead (all zeros): nothing would move
	trainLosses(t, e, s.Train, 2, 64)
	snap := e.Weights()
	validation := func() float64 {
		t.Helper()
		l, err := e.MeanLoss(s.Validation, 64)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	before := validation()
	trainLosses(t, e, s.Train, 3, 64)
	moved := validation()
	if err := e.SetWeights(snap); err != nil {
		t.Fatal(err)
	}
	after := validation()
	if before != after || moved == before {
		t.Errorf("validation loss %v at the snapshot, %v after training on, %v restored", before, moved, after)
	}
}

func vaeEngine(t *testing.T, seed int64) *engine.Engine {
	t.Helper()
	o := engine.DefaultOptions()
	o.Seed, o.Spec = seed, model.PaperVAE(8)
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(be, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestVAELearnsOnRealData: 300 steps of batch 32 on real images lower the
// held-out negative ELBO well below its start (a model that outputs 0.5
// for every pixel scores 784 ln 2 = 543 nats; the mean image about 290);
// codes are the posterior means, decoded images are probabilities.
func TestVAELearnsOnRealData(t *testing.T) {
	s := testutil.RealSplits(t, 9600)
	val := s.Validation.Slice(0, 1000)
	e := vaeEngine(t, 1)
	before, err := e.MeanLoss(val, 250)
	if err != nil {
		t.Fatal(err)
	}
	losses := trainLosses(t, e, s.Train, 300, 32)
	recon, kl, err := e.MeanParts(val, 250)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("validation negative ELBO %.1f -> %.1f (reconstruction %.1f + KL %.1f); train loss %.1f -> %.1f", before, recon+kl, recon, kl, losses[0], losses[len(losses)-1])
	if !(recon+kl < 0.6*before && recon+kl < 290 && kl > 0) {
		t.Errorf("negative ELBO %.1f -> %.1f + %.1f: the VAE did not learn", before, recon, kl)
	}
	x := engine.Batch(val.Slice(0, 4))
	codes, err := e.Encode(x)
	if err != nil {
		t.Fatal(err)
	}
	if d := codes.Shape().Dimensions; d[0] != 4 || d[1] != 8 || e.CodeSize() != 8 {
		t.Errorf("codes %v, CodeSize %d: want [4 8], 8", d, e.CodeSize())
	}
	img, err := e.Decode(codes)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range tensors.MustCopyFlatData[float32](img) {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("decoded pixel %v outside [0, 1]", v)
		}
	}
}

// TestKLWeight: with the KL weight at 0 the training loss is the
// reconstruction term alone, so it is below the full negative ELBO of the
// same batch and weights.
func TestKLWeight(t *testing.T) {
	s := testutil.TinySplits(t, 64, 1, 1)
	x := engine.Batch(s.Train)
	a, b := vaeEngine(t, 3), vaeEngine(t, 3)
	if err := b.SetKLWeight(0); err != nil {
		t.Fatal(err)
	}
	la, err := a.TrainStep(x)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.TrainStep(x)
	if err != nil {
		t.Fatal(err)
	}
	if !(lb < la) {
		t.Errorf("loss with the KL term %v, without %v", la, lb)
	}
	if err := testutil.Engine(t, 1).SetKLWeight(0.5); err == nil {
		t.Error("the autoencoder took a KL weight")
	}
}

// TestReadSpec: a checkpoint records its architecture; one saved before
// architectures were recorded (no model.json) reads as the paper's
// autoencoder or, by its variables, its VAE; a damaged or impossible
// model.json is an error naming the file.
func TestReadSpec(t *testing.T) {
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	save := func(spec model.Spec) string {
		o := engine.DefaultOptions()
		o.Spec = spec
		e, err := engine.New(be, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Encode(e.Images(make([]float32, spec.Values()))); err != nil { // creates the variables
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "model")
		if err := engine.SaveModel(e, dir); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	colour := model.Spec{Kind: model.KindAE, Input: [3]int{12, 10, 3}, Filters: []int{4, 6}, Code: 5}
	for _, tc := range []struct {
		spec   model.Spec
		legacy bool
		want   model.Spec
	}{
		{colour, false, colour},
		{model.Paper(), true, model.Paper()},
		{model.PaperVAE(6), true, model.PaperVAE(6)},
	} {
		dir := save(tc.spec)
		if tc.legacy {
			if err := os.Remove(filepath.Join(dir, layout.SpecFile)); err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := engine.ReadSpec(dir)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s (legacy %v): read %s, %v", tc.spec, tc.legacy, got, err)
		}
	}
	dir := save(colour)
	p := filepath.Join(dir, layout.SpecFile)
	for content, want := range map[string]string{
		"{": "corrupt",
		`{"kind": "ae", "input": [7, 7, 1], "filters": [16, 32, 64]}`: "model.input",
	} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := engine.ReadSpec(dir); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), want) {
			t.Errorf("model.json %q: %v, want an error naming %s and %q", content, err, p, want)
		}
	}
}
