// Package bench times the autoencoder's training step and encoder on a
// backend, optionally side by side with the unimproved GoMLX path, for
// `hourglass bench` and the Go benchmarks.
package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/model"
)

// Options says what to time.
type Options struct {
	Backend       backends.Backend
	BackendName   string
	Batch         int
	Steps, Warmup int
	EncodeBatches int
	Images        *data.Set  // batches are cut from it in order, of Spec's input
	Spec          model.Spec // the model; the zero Spec is the paper's
	DataName      string     // "random" or "real", for the report
	Stock         bool       // time the unimproved GoMLX path
	Variant       string     // name in the report; default "hourglass" or "stock"
	Seed          int64
	Log           io.Writer // progress lines; nil discards
	// Profile, when set, runs Steps more training steps after the timed
	// ones with every step of the graph timed (backend.StartProfile), so
	// the timed figures carry none of its cost.
	Profile bool
	// KernelPeak, when set and hourglass's kernels run the step, also
	// times the matrix kernel alone (Result.KernelPeakGFLOPs), in bursts
	// between the timed steps (up to kernelBursts of kernelBurst each) so
	// that both figures meet the same load from other programs. The
	// bursts' memory is left out of the peak RSS.
	KernelPeak bool
}

// The kernel's bursts in a run with Options.KernelPeak: the timed steps are
// cut into up to kernelBursts runs (one a step when there are fewer
// steps), each after a burst.
const (
	kernelBursts = 4
	kernelBurst  = 250 * time.Millisecond
)

// ProfileRow is one kind of graph step in a profiled training step: its
// kind and shapes, how many times one training step runs it, its wall time
// a training step, and the cores it kept busy (CPU time over wall time; 0
// where the system gives no CPU time; the time helper goroutines spent
// checking for work is left out).
type ProfileRow struct {
	Step         string  `json:"step"`
	CallsPerStep float64 `json:"calls_per_step"`
	MsPerStep    float64 `json:"ms_per_step"`
	Cores        float64 `json:"cores"`
}

// Result is one timed variant.
type Result struct {
	Variant            string  `json:"variant"` // "hourglass", "simplego-kernels" or "stock"
	Model              string  `json:"model"`   // the architecture (model.Spec's String)
	Backend            string  `json:"backend"`
	Kernels            string  `json:"kernels,omitempty"` // what ran the heavy operations (backend.Kernels)
	Data               string  `json:"data"`
	BatchSize          int     `json:"batch_size"`
	Cores              int     `json:"cores"`
	Steps              int     `json:"steps"`
	MsPerStep          float64 `json:"ms_per_step"`
	TrainImagesPerSec  float64 `json:"train_images_per_sec"`
	EncodeImagesPerSec float64 `json:"encode_images_per_sec"`
	FirstLoss          float64 `json:"first_loss"`
	LastLoss           float64 `json:"last_loss"`
	PeakRSSMiB         float64 `json:"peak_rss_mib"`
	// UsefulGFLOP is the step's products (model.TrainingFLOPs x the batch),
	// GFLOPs the rate the step reached on them, KernelPeakGFLOPs the matrix
	// kernel's own rate measured between the timed steps (0 when not
	// measured: Options.KernelPeak).
	UsefulGFLOP      float64 `json:"useful_gflop_per_step"`
	GFLOPs           float64 `json:"gflop_per_s"`
	KernelPeakGFLOPs float64 `json:"kernel_peak_gflop_per_s,omitempty"`
	// Profile holds the graph's steps, most time first (Options.Profile).
	Profile []ProfileRow `json:"profile,omitempty"`
}

// Run times one variant: Warmup untimed steps (compilation), Steps timed
// training steps, then EncodeBatches timed encoder calls.
func Run(o Options) (Result, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Images.Len() < o.Batch {
		return Result{}, fmt.Errorf("bench: %d images, fewer than one batch of %d", o.Images.Len(), o.Batch)
	}
	canReset := true
	if err := ResetPeakRSS(); err != nil {
		canReset = false
		fmt.Fprintf(o.Log, "bench: the peak RSS includes earlier work and the matrix kernel's timing (%v)\n", err)
	}
	eo := engine.DefaultOptions()
	eo.Seed, eo.Stock = o.Seed, o.Stock
	if o.Spec.Kind != "" {
		eo.Spec = o.Spec
	}
	e, err := engine.New(o.Backend, eo)
	if err != nil {
		return Result{}, err
	}
	r := Result{Variant: "hourglass", Model: eo.Spec.String(), Backend: o.BackendName, Kernels: backend.Kernels(o.Backend), Data: o.DataName, BatchSize: o.Batch,
		Cores: runtime.NumCPU(), Steps: o.Steps}
	if o.Stock {
		r.Variant = "stock"
	}
	if o.Variant != "" {
		r.Variant = o.Variant
	}
	nb := o.Images.Len() / o.Batch
	batch := func(i int) *data.Set { i %= nb; return o.Images.Slice(i*o.Batch, (i+1)*o.Batch) }
	for i := 0; i < o.Warmup; i++ {
		if _, err := e.TrainStep(engine.Batch(batch(i))); err != nil {
			return r, err
		}
	}
	el, peak, err := timeSteps(e, o, &r, batch, canReset)
	if err != nil {
		return r, err
	}
	r.MsPerStep = 1000 * el.Seconds() / float64(max(o.Steps, 1))
	if o.Profile {
		backend.StartProfile(o.Backend)
		for i := 0; i < max(o.Steps, 1); i++ {
			if _, err := e.TrainStep(engine.Batch(batch(i))); err != nil {
				backend.StopProfile(o.Backend)
				return r, err
			}
		}
		r.Profile = profileRows(backend.StopProfile(o.Backend), max(o.Steps, 1))
	}
	flops, err := model.TrainingFLOPs(eo.Spec)
	if err != nil {
		return r, err
	}
	r.UsefulGFLOP = flops * float64(o.Batch) / 1e9
	r.GFLOPs = r.UsefulGFLOP / (r.MsPerStep / 1000)
	r.TrainImagesPerSec = float64(o.Steps*o.Batch) / el.Seconds()
	if _, err := e.Encode(engine.Batch(batch(0))); err != nil { // compile
		return r, err
	}
	start := time.Now()
	for i := 0; i < o.EncodeBatches; i++ {
		if _, err := e.Encode(engine.Batch(batch(i))); err != nil {
			return r, err
		}
	}
	if o.EncodeBatches > 0 {
		r.EncodeImagesPerSec = float64(o.EncodeBatches*o.Batch) / time.Since(start).Seconds()
	}
	r.PeakRSSMiB = max(peak, PeakRSSMiB())
	return r, nil
}

// timeSteps runs Options.Steps timed training steps after the warm-up ones
// and returns their time; with Options.KernelPeak (and hourglass's
// kernels) it also times the kernel in bursts between them (r's
// KernelPeakGFLOPs) and returns the peak RSS taken before the bursts,
// resetting it after each where canReset.
func timeSteps(e *engine.Engine, o Options, r *Result, batch func(int) *data.Set, canReset bool) (el time.Duration, peak float64, err error) {
	var meter *kernelMeter
	rounds := 1
	if o.KernelPeak && strings.HasPrefix(r.Kernels, "hourglass") {
		meter, rounds = &kernelMeter{d: 512}, max(1, min(kernelBursts, o.Steps))
	}
	for j := range rounds {
		if meter != nil {
			// The burst's memory is not the engine's: the peak before it is
			// kept, and the kernel's own high-water mark left out.
			peak = max(peak, PeakRSSMiB())
			if err := meter.burst(kernelBurst); err != nil {
				return el, peak, err
			}
			if canReset {
				if err := ResetPeakRSS(); err != nil {
					return el, peak, fmt.Errorf("bench: resetting the peak RSS after the kernel's burst: %w", err)
				}
			}
		}
		start := time.Now()
		for i := o.Steps * j / rounds; i < o.Steps*(j+1)/rounds; i++ {
			l, err := e.TrainStep(engine.Batch(batch(o.Warmup + i)))
			if err != nil {
				return el, peak, err
			}
			if i == 0 {
				r.FirstLoss = l
			}
			r.LastLoss = l
			fmt.Fprintf(o.Log, "%s step %d/%d loss %.5f\n", r.Variant, i+1, o.Steps, l)
		}
		el += time.Since(start)
	}
	if meter != nil {
		r.KernelPeakGFLOPs = meter.gflops()
	}
	return el, peak, nil
}

// ResetPeakRSS resets the kernel's high-water mark of this process's
// resident memory (Linux), so each variant's peak is its own. Where the
// kernel has no clear_refs it returns the error, and peaks are then the
// process's highest so far.
func ResetPeakRSS() error { return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakRSSMiB reads VmHWM from /proc/self/status (Linux); 0 elsewhere.
func PeakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}

// WriteTable prints results as a table, with the speed-up of the first
// variant over each other one.
func WriteTable(w io.Writer, rs []Result) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "model %s, backend %s, batch %d, %d cores, %s data, %d timed steps\n",
		rs[0].Model, rs[0].Backend, rs[0].BatchSize, rs[0].Cores, rs[0].Data, rs[0].Steps)
	fmt.Fprintf(w, "%-18s %12s %14s %15s %13s  %s\n", "variant", "ms/step", "train img/s", "encode img/s", "peak RSS MiB", "kernels")
	for _, r := range rs {
		fmt.Fprintf(w, "%-18s %12.1f %14.1f %15.1f %13.0f  %s\n", r.Variant, r.MsPerStep, r.TrainImagesPerSec, r.EncodeImagesPerSec, r.PeakRSSMiB, r.Kernels)
	}
	for _, r := range rs[1:] {
		fmt.Fprintf(w, "training step: %s is %.2fx faster than %s\n", rs[0].Variant, r.MsPerStep/rs[0].MsPerStep, r.Variant)
	}
	for _, r := range rs {
		fmt.Fprintf(w, "%s: %s\n", r.Variant, r.WorkText())
	}
}

// profileRows turns a backend profile of steps training steps into rows a
// training step.
func profileRows(ts []backend.StepTime, steps int) []ProfileRow {
	rows := make([]ProfileRow, 0, len(ts))
	for _, t := range ts {
		row := ProfileRow{Step: t.Step, CallsPerStep: float64(t.Calls) / float64(steps),
			MsPerStep: 1000 * t.Wall.Seconds() / float64(steps)}
		if t.Wall > 0 {
			row.Cores = t.CPU.Seconds() / t.Wall.Seconds()
		}
		rows = append(rows, row)
	}
	return rows
}

// WriteProfile prints the n steps of r's profile that took the most time
// (all when n <= 0), with the share of a training step they take.
func WriteProfile(w io.Writer, r Result, n int) {
	if len(r.Profile) == 0 {
		return
	}
	total := 0.0
	for _, p := range r.Profile {
		total += p.MsPerStep
	}
	fmt.Fprintf(w, "%s: where a training step's %.1f ms went (%d kinds of graph step, profiled over %d more steps)\n",
		r.Variant, total, len(r.Profile), r.Steps)
	fmt.Fprintf(w, "%9s %6s %7s %6s  %s\n", "ms/step", "share", "calls", "cores", "step")
	rows := r.Profile
	if n > 0 && n < len(rows) {
		rows = rows[:n]
	}
	for _, p := range rows {
		fmt.Fprintf(w, "%9.3f %5.1f%% %7.1f %6.2f  %s\n", p.MsPerStep, 100*p.MsPerStep/total, p.CallsPerStep, p.Cores, p.Step)
	}
}

// RandomImages are n images of a shape with values uniform in [0, 1),
// seeded: input for timing, where the values do not matter.
func RandomImages(shape data.Shape, n int, seed int64) *data.Set {
	r := data.NewRand(seed, 5)
	s := &data.Set{Images: make([]float32, n*shape.Values()), Labels: make([]int, n), Shape: shape}
	for i := range s.Images {
		s.Images[i] = r.Float32()
	}
	return s
}

// WorkText says how much of the step is products and at what rate: "1.66
// GFLOP of products a step, 42.1 GFLOP/s; the matrix kernel alone 250.3
// GFLOP/s (17% of it)".
func (r Result) WorkText() string {
	t := fmt.Sprintf("%.3g GFLOP of products a step (forward and backward, no zeros), %.1f GFLOP/s", r.UsefulGFLOP, r.GFLOPs)
	if r.KernelPeakGFLOPs > 0 {
		t += fmt.Sprintf("; the matrix kernel alone %.1f GFLOP/s (the step reaches %.0f%% of it)", r.KernelPeakGFLOPs, 100*r.GFLOPs/r.KernelPeakGFLOPs)
	}
	return t
}
