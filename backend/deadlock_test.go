package backend

import (
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// manyProducts runs a graph of 16 independent large matrix products, the
// pattern that deadlocks simplego's bounded worker pool, and reports
// whether it finished within the timeout.
func manyProducts(t *testing.T, be backends.Backend, timeout time.Duration) bool {
	t.Helper()
	a := tensors.FromFlatDataAndDimensions(make([]float32, 512*256), 512, 256)
	done := make(chan error, 1)
	go func() {
		_, err := ExecOnce(be, func(a *Node) *Node {
			var sum *Node
			for i := 0; i < 16; i++ {
				p := Dot(AddScalar(a, float64(i)), Transpose(a, 0, 1))
				if sum == nil {
					sum = p
				} else {
					sum = Add(sum, p)
				}
			}
			return sum
		}, a)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		return true
	case <-time.After(timeout):
		return false
	}
}

// TestNoWorkerPoolDeadlock: on simplego's default bounded pool this graph
// never finishes (measured: still running after 20s, with 0% CPU); with
// DefaultGoConfig it takes about a second. Run with simplego's kernels
// (where the deadlock lives) and with hourglass's.
func TestNoWorkerPoolDeadlock(t *testing.T) {
	for _, config := range []string{DefaultGoConfig + ",kernels=simplego", DefaultGoConfig} {
		be, err := NewGo(config)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if !manyProducts(t, be, 60*time.Second) {
				t.Fatalf("%s: 16 independent products did not finish in 60s: the worker pool deadlocked", config)
			}
		}
	}
}
