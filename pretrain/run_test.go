package pretrain

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/outdir"
)

// smallSplits cuts a few hundred real images: enough to train a handful of
// steps per epoch in seconds.
func smallSplits(t *testing.T) *data.Splits {
	s := realSplits(t, 0)
	return &data.Splits{Train: s.Train.Slice(0, 192), Validation: s.Validation.Slice(0, 64), Test: s.Test.Slice(0, 64)}
}

func smallConfig(t *testing.T) *config.Config {
	c := config.Default()
	c.OutputDir = t.TempDir()
	c.Pretrain.Epochs = 2
	c.Pretrain.BatchSize = 32
	c.Pretrain.Reconstructions = 4
	return &c
}

func TestRunWritesEverything(t *testing.T) {
	cfg := smallConfig(t)
	s, err := Run(context.Background(), cfg, Options{Splits: smallSplits(t)})
	if err != nil {
		t.Fatal(err)
	}
	if s.Epochs != 2 || s.Parameters != 43889 || !(s.TestMSE > 0 && s.TestMSE < 0.2) || s.BestEpoch == 0 {
		t.Errorf("implausible summary %+v", s)
	}
	dir := Dir(cfg)
	// metrics.csv: header plus one row per epoch.
	f, err := os.Open(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 3 || !reflect.DeepEqual(rows[0], MetricsColumns) {
		t.Errorf("metrics.csv: %v rows %v", err, rows)
	}
	// PNGs decode with the expected sizes.
	for name, want := range map[string][2]int{"loss.png": {576, 384}, "reconstructions.png": {4*(28*3+2) + 2, 2*(28*3+2) + 2}} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != want[0] || b.Dy() != want[1] {
			t.Errorf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), want[0], want[1])
		}
	}
	var sum Summary
	b, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil || sum.TestMSE != s.TestMSE {
		t.Errorf("summary.json: %v %+v", err, sum)
	}
	for _, name := range []string{"config.yaml", "metrics.json", LastCheckpoint + "/" + stateFile, BestCheckpoint + "/" + stateFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".lock")); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
}

// TestResumeEqualsUninterrupted interrupts a run mid-epoch, resumes it, and
// compares with a run that was never interrupted.
func TestResumeEqualsUninterrupted(t *testing.T) {
	splits := smallSplits(t)
	a := smallConfig(t)
	sa, err := Run(context.Background(), a, Options{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	b := smallConfig(t)
	_, err = Run(context.Background(), b, Options{Splits: splits, StopAfterSteps: 4})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first session: %v, want ErrInterrupted", err)
	}
	_, err = Run(context.Background(), b, Options{Splits: splits, StopAfterSteps: 3}) // into epoch 2
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("second session: %v, want ErrInterrupted", err)
	}
	sb, err := Run(context.Background(), b, Options{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	// Same data order, weights and Adam state: the very same numbers.
	if sa.TestMSE != sb.TestMSE || sa.FinalTrain != sb.FinalTrain || sa.FinalVal != sb.FinalVal {
		t.Errorf("uninterrupted %+v\nresumed       %+v", sa, sb)
	}
	wa, wb := loadWeights(t, Dir(a)), loadWeights(t, Dir(b))
	for name, ta := range wa {
		da, db := tensors.MustCopyFlatData[float32](ta), tensors.MustCopyFlatData[float32](wb[name])
		for i := range da {
			if da[i] != db[i] {
				t.Fatalf("%s[%d]: %v uninterrupted, %v resumed", name, i, da[i], db[i])
			}
		}
	}
}

func loadWeights(t *testing.T, dir string) map[string]*tensors.Tensor {
	t.Helper()
	e := newEngine(t, 99)
	if err := LoadEngine(e, filepath.Join(dir, LastCheckpoint)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Loss(Images(data.Synthetic(1, 1).Images)); err != nil { // creates the variables
		t.Fatal(err)
	}
	return e.Weights()
}

func TestCheckpointRoundTrip(t *testing.T) {
	cfg := smallConfig(t)
	cfg.Pretrain.Epochs = 1
	if _, err := Run(context.Background(), cfg, Options{Splits: smallSplits(t)}); err != nil {
		t.Fatal(err)
	}
	x := Images(data.Synthetic(8, 2).Images)
	// The engine that trained is gone; two fresh loads must encode alike,
	// and differ from an untrained engine.
	codes := func(e *Engine) []float32 {
		c, err := e.Encode(x)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](c)
	}
	e1, e2 := newEngine(t, 5), newEngine(t, 6)
	for _, e := range []*Engine{e1, e2} {
		if err := LoadEngine(e, filepath.Join(Dir(cfg), LastCheckpoint)); err != nil {
			t.Fatal(err)
		}
	}
	c1, c2, c0 := codes(e1), codes(e2), codes(newEngine(t, 5))
	if !reflect.DeepEqual(c1, c2) {
		t.Error("two loads of one checkpoint encode differently")
	}
	if reflect.DeepEqual(c1, c0) {
		t.Error("the loaded engine encodes like an untrained one")
	}
	if err := LoadEngine(newEngine(t, 1), t.TempDir()); err == nil || !strings.Contains(err.Error(), "no hourglass checkpoint") {
		t.Errorf("loading an empty folder: %v", err)
	}
}

func TestNaNStopsWithAdvice(t *testing.T) {
	splits := smallSplits(t)
	bad := splits.Train.Subset(seqInts(splits.Train.Len()))
	bad.Images[40*data.Pixels+3] = float32(math.NaN()) // image 40: in the second batch of 32
	splits.Train = bad
	cfg := smallConfig(t)
	_, err := Run(context.Background(), cfg, Options{Splits: splits})
	if !errors.Is(err, ErrNotFinite) {
		t.Fatalf("err = %v, want ErrNotFinite", err)
	}
	for _, want := range []string{"epoch 1", "learning_rate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func seqInts(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestSecondRunIsLockedOut(t *testing.T) {
	cfg := smallConfig(t)
	os.MkdirAll(Dir(cfg), 0o755)
	l, err := outdir.Acquire(Dir(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	_, err = Run(context.Background(), cfg, Options{Splits: smallSplits(t)})
	if !errors.Is(err, outdir.ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
}

func TestResumeRefusesOtherSettings(t *testing.T) {
	splits := smallSplits(t)
	cfg := smallConfig(t)
	if _, err := Run(context.Background(), cfg, Options{Splits: splits, StopAfterSteps: 2}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	cfg.Pretrain.LearningRate = 0.01
	_, err := Run(context.Background(), cfg, Options{Splits: splits})
	if err == nil || !strings.Contains(err.Error(), "--restart") {
		t.Fatalf("resuming with another learning rate: %v", err)
	}
	if _, err := Run(context.Background(), cfg, Options{Splits: splits, Restart: true}); err != nil {
		t.Fatalf("--restart: %v", err)
	}
}
