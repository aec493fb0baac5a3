package pipeline

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hourglass-ml/hourglass/internal/base/hooks"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// tinySweep writes the tiny experiment with grid and seeds as an
// experiment file and loads it as a sweep into a fresh folder.
func tinySweep(t *testing.T, grid map[string][]any, seeds int) (*config.Plan, *data.Splits) {
	t.Helper()
	cfg, splits := tiny(t)
	cfg.Sweep = config.Sweep{Grid: grid, Seeds: seeds}
	b, err := cfg.YAML()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sweep.yaml")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	plan, err := config.LoadSweep(config.Options{File: file, LookupEnv: func(string) (string, bool) { return "", false }}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return plan, splits
}

// pretrainSteps counts the pretraining steps taken under the context it
// returns: 4 an epoch on the tiny 256 images in batches of 64.
func pretrainSteps(ctx context.Context) (context.Context, *int) {
	n := new(int)
	return hooks.With(ctx, &hooks.Hooks{Step: func(loop string, _ int) {
		if loop == "pretrain" {
			*n++
		}
	}}), n
}

func readSweepJSON(t *testing.T, dir string) *SweepReport {
	t.Helper()
	var r SweepReport
	if err := results.ReadJSON(filepath.Join(dir, SweepJSON), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestSweepTwoByTwo: a 2x2 grid with 2 seeds is 8 runs, each a full
// experiment with its report; the sweep report's 4 variants hold means
// and intervals equal to those computed here from the runs' own files;
// sweep.csv has a row per run with the same numbers.
func TestSweepTwoByTwo(t *testing.T) {
	plan, splits := tinySweep(t, map[string][]any{"compare.k": {1, 5}, "finetune.epochs": {1, 3}}, 2)
	ctx, steps := pretrainSteps(context.Background())
	outs, err := Sweep(ctx, plan, SweepOptions{Only: -1, Env: stage.Env{Splits: splits}})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 8 {
		t.Fatalf("%d runs, want 8", len(outs))
	}
	// Neither key reaches pretraining: one pretraining per seed, 2 epochs
	// of 4 steps each.
	if *steps != 2*8 {
		t.Errorf("%d pretraining steps, want 16 (two pretrainings)", *steps)
	}
	rep := readSweepJSON(t, plan.Dir())
	if len(rep.Runs) != 8 || len(rep.Variants) != 4 {
		t.Fatalf("sweep.json: %d runs, %d variants; want 8 and 4", len(rep.Runs), len(rep.Variants))
	}
	// Each run's figures, read from its own files.
	own := make([]map[string]float64, 8)
	for i, r := range plan.Runs {
		run := layout.At(r.Config.OutputDir)
		if _, err := os.Stat(run.ReportMarkdown()); err != nil {
			t.Errorf("run %s has no report: %v", r.Name, err)
		}
		cmp, err := results.ReadComparison(run)
		if err != nil {
			t.Fatal(err)
		}
		if cmp.K != r.Config.Compare.K {
			t.Errorf("run %s compared with k=%d", r.Name, cmp.K)
		}
		pre, err := results.ReadPretraining(run)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := results.ReadTransfer(run)
		if err != nil {
			t.Fatal(err)
		}
		own[i] = map[string]float64{FigureTestMSE: pre.TestMSE}
		for _, k := range cmp.KNN {
			own[i][KNNFigure(k.Representation)] = k.Accuracy
		}
		for _, s := range tr.Summary {
			own[i][TransferFigure(s.Method, s.Blocks, s.LabelsPerClass)] = s.MeanAccuracy
		}
		if rep.Runs[i].Status != StatusDone {
			t.Errorf("run %d: status %s", i, rep.Runs[i].Status)
		}
		for f, want := range own[i] {
			if got := rep.Runs[i].Figures[f]; got != want {
				t.Errorf("run %d %s: sweep.json %v, the run's own files %v", i, f, got, want)
			}
		}
	}
	if len(own[0]) < 1+4+2 { // MSE, pixels and 2 PCA sizes and the autoencoder, 2 methods
		t.Errorf("run 0 has only figures %v", own[0])
	}
	// Variants: runs 2v and 2v+1 are variant v's two seeds; the mean and
	// interval, computed here: mean ± t(0.975, 1) * |a-b|/2 (sd/sqrt(2)
	// of two values is |a-b|/2), t(0.975, 1) = 12.7062.
	for v, vr := range rep.Variants {
		if vr.Finished != 2 || !reflect.DeepEqual(vr.Runs, []int{2 * v, 2*v + 1}) {
			t.Errorf("variant %d: runs %v, %d finished", v, vr.Runs, vr.Finished)
		}
		for f := range own[2*v] {
			a, b := own[2*v][f], own[2*v+1][f]
			s := vr.Figures[f]
			mean, half := (a+b)/2, 12.7062047*math.Abs(a-b)/2
			if math.Abs(s.Mean-mean) > 1e-12 || s.Low == nil || math.Abs(*s.Low-(mean-half)) > 1e-6*(1+half) || math.Abs(*s.High-(mean+half)) > 1e-6*(1+half) {
				t.Errorf("variant %d %s: %+v, want mean %v ± %v", v, f, s, mean, half)
			}
		}
	}
	md, err := os.ReadFile(filepath.Join(plan.Dir(), SweepMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| runs | 8 (4 variants x 2 seeds): 8 done, 0 failed, 0 missing |", "## kNN accuracy", "## Transfer accuracy", "## Conclusions", "pretrain from compare.k=1,finetune.epochs=1,seed=1"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("sweep.md lacks %q:\n%s", want, md)
		}
	}
	// sweep.html: a plot per swept key of the MSE, the kNN and the
	// transfer accuracies, each embedded once.
	page, err := os.ReadFile(filepath.Join(plan.Dir(), SweepHTML))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "<img "); n != 6 {
		t.Errorf("sweep.html has %d plots, want 6 (2 keys x 3 kinds of figure)", n)
	}
	f, err := os.Open(filepath.Join(plan.Dir(), SweepCSV))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 9 {
		t.Fatalf("sweep.csv has %d rows, want a header and 8", len(rows))
	}
	col := -1
	for i, h := range rows[0] {
		if h == KNNFigure("autoencoder") {
			col = i
		}
	}
	if col < 0 || rows[0][3] != "compare.k" || rows[0][4] != "finetune.epochs" || rows[0][5] != "seed" {
		t.Fatalf("sweep.csv header %v", rows[0])
	}
	for i, row := range rows[1:] {
		if want := own[i][KNNFigure("autoencoder")]; row[col] != formatCSV(want) {
			t.Errorf("sweep.csv row %d: autoencoder kNN %s, the run's results.json %v", i, row[col], want)
		}
	}
}

func formatCSV(x float64) string {
	b, err := json.Marshal(x)
	if err != nil {
		panic(err) // the figures are finite
	}
	return string(b)
}

// TestSweepReuse: sweeping compare.k alone pretrains once (counted in
// steps) and copies finetune, reduce and generate into the second run,
// whose copies name their own folder; sweeping pretrain.epochs pretrains
// every time.
func TestSweepReuse(t *testing.T) {
	plan, splits := tinySweep(t, map[string][]any{"compare.k": {1, 3}}, 1)
	var log bytes.Buffer
	ctx, steps := pretrainSteps(context.Background())
	outs, err := Sweep(ctx, plan, SweepOptions{Only: -1, Env: stage.Env{Splits: splits, Log: &log}})
	if err != nil {
		t.Fatal(err)
	}
	if *steps != 8 {
		t.Errorf("sweeping compare.k: %d pretraining steps, want 8 (one pretraining of 2 epochs)", *steps)
	}
	first := plan.Runs[0].Config.OutputDir
	for _, r := range outs[1].Results {
		wantReused := r.Stage != layout.Compare
		if (r.ReusedFrom == first) != wantReused {
			t.Errorf("second run's %s: reused from %q", r.Stage, r.ReusedFrom)
		}
	}
	if !strings.Contains(log.String(), "pretrain: reused from "+first) {
		t.Errorf("the log does not say pretraining was reused:\n%s", log.String())
	}
	second := layout.At(plan.Runs[1].Config.OutputDir)
	tr, err := results.ReadTransfer(second)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Checkpoint != second.ModelCheckpoint() {
		t.Errorf("the copied finetune results name the checkpoint %s, want the run's own %s", tr.Checkpoint, second.ModelCheckpoint())
	}
	saved, err := config.Load(config.Options{File: second.Config(layout.Pretrain), LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if saved.OutputDir != second.Root || saved.Compare.K != 3 {
		t.Errorf("the copied pretrain folder's config.yaml: output_dir %s, compare.k %d", saved.OutputDir, saved.Compare.K)
	}
	// A rerun finds every stage up to date in its own folder.
	outs, err = Sweep(context.Background(), plan, SweepOptions{Only: -1, Env: stage.Env{Splits: splits}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		for _, r := range o.Results {
			if !r.Skipped || r.ReusedFrom != "" {
				t.Errorf("rerun, %s %s: %+v", o.Run.Name, r.Stage, r)
			}
		}
	}

	plan, splits = tinySweep(t, map[string][]any{"pretrain.epochs": {1, 2}}, 1)
	ctx, steps = pretrainSteps(context.Background())
	outs, err = Sweep(ctx, plan, SweepOptions{Only: -1, Env: stage.Env{Splits: splits}})
	if err != nil {
		t.Fatal(err)
	}
	if *steps != 4+8 {
		t.Errorf("sweeping pretrain.epochs over 1 and 2: %d pretraining steps, want 12", *steps)
	}
	for _, o := range outs {
		for _, r := range o.Results {
			if r.ReusedFrom != "" || r.Skipped {
				t.Errorf("%s %s was not computed: %+v", o.Run.Name, r.Stage, r)
			}
		}
	}
}

// TestSweepInterruptedResumes interrupts a sweep in its third run's
// pretraining; the rerun skips the first two runs, resumes the third, and
// its report equals an uninterrupted sweep's but for the times.
func TestSweepInterruptedResumes(t *testing.T) {
	grid := map[string][]any{"pretrain.epochs": {1, 2}}
	plan, splits := tinySweep(t, grid, 2)
	env := stage.Env{Splits: splits}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steps := 0
	ctx = hooks.With(ctx, &hooks.Hooks{Step: func(loop string, _ int) {
		// Runs 0 and 1 pretrain one epoch each (4 steps); step 10 is in
		// run 2's first epoch.
		if loop == "pretrain" {
			if steps++; steps == 10 {
				cancel()
			}
		}
	}})
	outs, err := Sweep(ctx, plan, SweepOptions{Only: -1, Env: env})
	if !errors.Is(err, engine.ErrInterrupted) || len(outs) != 3 || !strings.Contains(err.Error(), "run 2") {
		t.Fatalf("interrupted sweep: %d runs, %v", len(outs), err)
	}
	if _, err := os.Stat(filepath.Join(plan.Dir(), SweepJSON)); !os.IsNotExist(err) {
		t.Errorf("an interrupted sweep wrote its report: %v", err)
	}
	outs, err = Sweep(context.Background(), plan, SweepOptions{Only: -1, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		for _, r := range o.Results {
			if r.Skipped != (i < 2) {
				t.Errorf("rerun, run %d %s: skipped %v", i, r.Stage, r.Skipped)
			}
		}
	}
	fresh, splits2 := tinySweep(t, grid, 2)
	if _, err := Sweep(context.Background(), fresh, SweepOptions{Only: -1, Env: stage.Env{Splits: splits2}}); err != nil {
		t.Fatal(err)
	}
	a, b := withoutTimes(readSweepJSON(t, plan.Dir())), withoutTimes(readSweepJSON(t, fresh.Dir()))
	if !reflect.DeepEqual(a, b) {
		t.Errorf("resumed sweep report:\n%+v\nuninterrupted:\n%+v", a, b)
	}
}

// withoutTimes drops from a sweep report what depends on the clock: the
// stages' times, and the conclusions and best variants of the times.
func withoutTimes(r *SweepReport) *SweepReport {
	r.ComputeSeconds = 0
	for i := range r.Runs {
		for f := range r.Runs[i].Figures {
			if strings.HasPrefix(f, "seconds:") {
				delete(r.Runs[i].Figures, f)
			}
		}
	}
	for i := range r.Variants {
		for f := range r.Variants[i].Figures {
			if strings.HasPrefix(f, "seconds:") {
				delete(r.Variants[i].Figures, f)
			}
		}
	}
	r.Conclusions = slices.DeleteFunc(r.Conclusions, func(c string) bool { return strings.HasPrefix(c, "seconds:") })
	r.Best = slices.DeleteFunc(r.Best, func(b SweepBest) bool { return strings.HasPrefix(b.Figure, "seconds:") })
	return r
}

// TestSweepFailingRunAndVariant: --variant runs one run alone and writes
// no report; a run that fails is recorded and the sweep goes on to the
// next, ending with an error naming it; --gather reports the failure and
// the runs that have not run.
func TestSweepFailingRunAndVariant(t *testing.T) {
	// 50 labelled images per class is more than the tiny 256 images hold.
	plan, splits := tinySweep(t, map[string][]any{"finetune.labels_per_class": {[]any{50}, []any{5}}}, 1)
	env := stage.Env{Splits: splits}
	outs, err := Sweep(context.Background(), plan, SweepOptions{Only: 0, Env: env})
	if err == nil || len(outs) != 1 || !strings.Contains(err.Error(), "1 of 1 runs failed") || !strings.Contains(err.Error(), "labels_per_class") {
		t.Fatalf("--variant 0: %d runs, %v", len(outs), err)
	}
	if _, err := os.Stat(filepath.Join(plan.Dir(), SweepJSON)); !os.IsNotExist(err) {
		t.Errorf("--variant wrote the sweep report: %v", err)
	}
	rep, err := Gather(plan)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs[0].Status != StatusFailed || !strings.Contains(rep.Runs[0].Error, "labels_per_class") || rep.Runs[1].Status != StatusMissing {
		t.Errorf("gathered after --variant 0: %+v", rep.Runs)
	}
	if !strings.Contains(rep.Markdown(), "0 done, 1 failed, 1 missing") {
		t.Errorf("sweep.md:\n%s", rep.Markdown())
	}
	if _, err := Sweep(context.Background(), plan, SweepOptions{Only: 5, Env: env}); err == nil || !strings.Contains(err.Error(), "runs 0 to 1") {
		t.Errorf("--variant 5 of 2: %v", err)
	}
	outs, err = Sweep(context.Background(), plan, SweepOptions{Only: -1, Env: env})
	if err == nil || len(outs) != 2 || outs[1].Err != nil || !strings.Contains(err.Error(), "run 0 (finetune.labels_per_class=50,seed=1)") {
		t.Fatalf("sweep with a failing run: %d runs, %v", len(outs), err)
	}
	rep = readSweepJSON(t, plan.Dir())
	if rep.Runs[0].Status != StatusFailed || rep.Runs[1].Status != StatusDone || rep.Variants[1].Finished != 1 {
		t.Errorf("sweep.json runs %+v", rep.Runs)
	}
	if s := rep.Variants[1].Figures[FigureTestMSE]; s.N != 1 || s.Low != nil {
		t.Errorf("one run's MSE: %+v, want no interval", s)
	}
}

// syncBuffer is a log two goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSweepConcurrentVariantsShareStages runs the two runs of a sweep
// over compare.k at the same moment, as two `hourglass sweep --variant N`
// processes sharing the output folder would (the stage locks are flocks,
// which two goroutines' opens contend for as two processes' do). They
// share every stage but compare: pretraining runs once (counted in steps,
// 8 for one pretraining of 2 epochs), the run that computes it holds it
// until the other has said it waits, and every shared stage is computed
// once and reused once. --gather's report then equals a sequential
// sweep's but for the times and which run computed what.
func TestSweepConcurrentVariantsShareStages(t *testing.T) {
	grid := map[string][]any{"compare.k": {1, 3}}
	plan, splits := tinySweep(t, grid, 1)
	var steps atomic.Int64
	logs := [2]*syncBuffer{{}, {}}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		ctx := hooks.With(context.Background(), &hooks.Hooks{Step: func(loop string, n int) {
			if loop != "pretrain" {
				return
			}
			steps.Add(1)
			if n == 1 { // the run computing pretraining waits until the other waits for it
				deadline := time.Now().Add(2 * time.Minute)
				for !strings.Contains(logs[1-i].String(), "pretrain: run ") && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}})
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Sweep(ctx, plan, SweepOptions{Only: i, Env: stage.Env{Splits: splits, Log: logs[i]}})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("--variant %d: %v\n%s", i, err, logs[i])
		}
	}
	if n := steps.Load(); n != 8 {
		t.Errorf("%d pretraining steps, want 8 (one pretraining of 2 epochs)", n)
	}
	waited := 0
	for i, l := range logs {
		if strings.Contains(l.String(), "is computing the same stage; waiting for it, to reuse its outputs") {
			waited++
			other := plan.Runs[1-i].Name
			if !strings.Contains(l.String(), "pretrain: run "+other+" (process ") || !strings.Contains(l.String(), "pretrain: reused from "+plan.Runs[1-i].Config.OutputDir) {
				t.Errorf("run %d's log does not say it waited for run %s's pretraining and reused it:\n%s", i, other, l)
			}
		}
	}
	if waited == 0 {
		t.Errorf("neither run waited for the other's pretraining:\n%s\n%s", logs[0], logs[1])
	}
	rep, err := Gather(plan)
	if err != nil {
		t.Fatal(err)
	}
	// pretrain, finetune, reduce and generate once each and reused once
	// each; compare in both runs.
	if rep.Computed != 6 || rep.Reused != 4 {
		t.Errorf("%d stages computed and %d reused, want 6 and 4", rep.Computed, rep.Reused)
	}
	seq, splits2 := tinySweep(t, grid, 1)
	if _, err := Sweep(context.Background(), seq, SweepOptions{Only: -1, Env: stage.Env{Splits: splits2}}); err != nil {
		t.Fatal(err)
	}
	a, b := withoutTimes(rep), withoutTimes(readSweepJSON(t, seq.Dir()))
	for _, r := range []*SweepReport{a, b} {
		for i := range r.Runs {
			r.Runs[i].Reused = nil
		}
	}
	// Through JSON, as sweep.json holds them.
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja, jb) {
		t.Errorf("concurrent runs gathered:\n%s\nsequential sweep:\n%s", ja, jb)
	}
}
