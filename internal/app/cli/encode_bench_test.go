package cli

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/hourglass-ml/hourglass/internal/app/bench"
	"github.com/hourglass-ml/hourglass/internal/base/npy"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// BenchmarkEncodeMemory encodes 20,000, 100,000 and 200,000 generated
// images from a .npy file with `hourglass encode` and reports the largest
// live heap after a collection and the process's peak resident memory
// during the run: both must stay flat as the input grows tenfold, since
// images stream through in batches (the resident peak settles at about
// twice the live heap, Go's default collection target, once a run lasts a
// few collections).
//
//	go test ./internal/cli -run '^$' -bench EncodeMemory -benchtime 1x
func BenchmarkEncodeMemory(b *testing.B) {
	model := b.TempDir()
	e := testutil.Engine(b, 1) // untrained: its variables exist once a graph is built
	if _, err := e.Encode(e.Images(make([]float32, data.Pixels))); err != nil {
		b.Fatal(err)
	}
	if err := engine.SaveModel(e, filepath.Join(model, "pretrain", "checkpoint-last")); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{20000, 100000, 200000} {
		input := filepath.Join(b.TempDir(), "images.npy")
		writeRandomImages(b, input, n)
		out := filepath.Join(b.TempDir(), "codes.npy")
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			for range b.N {
				runtime.GC()
				if err := bench.ResetPeakRSS(); err != nil {
					b.Fatal(err)
				}
				stop := sampleHeap()
				start := time.Now()
				if _, err := run(b, nil, "encode", "--quiet", "--from", model, "--input", input, "--output", out); err != nil {
					b.Fatal(err)
				}
				secs := time.Since(start).Seconds()
				b.ReportMetric(float64(stop())/(1<<20), "live-heap-MiB")
				b.ReportMetric(bench.PeakRSSMiB(), "peak-RSS-MiB")
				b.ReportMetric(float64(n)/secs, "images/s")
			}
		})
	}
}

// writeRandomImages streams n seeded random uint8 images into a .npy file.
func writeRandomImages(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := npy.WriteArray(w, "|u1", []int{n, data.Rows, data.Cols}, nil); err != nil {
		b.Fatal(err)
	}
	r := data.NewRand(1, 13)
	img := make([]byte, data.Pixels)
	for range n {
		for i := range img {
			img[i] = byte(r.IntN(256))
		}
		if _, err := w.Write(img); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// sampleHeap polls the heap found live by the last collection every 5 ms
// until the returned function is called, which returns the largest value
// seen.
func sampleHeap() func() uint64 {
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			metrics.Read(s)
			mu.Lock()
			peak = max(peak, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}
