package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
	"github.com/hourglass-ml/hourglass/knn"
)

// KNNOptions says what `hourglass bench knn` times.
type KNNOptions struct {
	Train, Test *data.Set // raw pixels: neighbours and queries
	Classes     int
	K           int
	Weights     knn.Weights
}

// KNNResult is one timed exact search.
type KNNResult struct {
	Queries       int     `json:"queries"`
	TrainRows     int     `json:"train_rows"`
	Dim           int     `json:"dim"`
	K             int     `json:"k"`
	Cores         int     `json:"cores"`
	IndexSeconds  float64 `json:"index_seconds"`  // centring and packing the training rows
	SearchSeconds float64 `json:"search_seconds"` // the search and the votes
	Seconds       float64 `json:"seconds"`        // both
	GFLOPs        float64 `json:"gflop_per_s"`    // 2 x queries x rows x dim / Seconds
	KernelGFLOPs  float64 `json:"kernel_gflop_per_s"`
	Candidates    float64 `json:"candidates_per_query"`
	Accuracy      float64 `json:"accuracy"`
	Correct       int     `json:"correct"`
	PeakRSSMiB    float64 `json:"peak_rss_mib"`
	AVX512        bool    `json:"avx512"`
	Predictions   []int   `json:"-"`
}

// KNN times an exact search of every test image among the training images
// and, for reference, the matrix kernel alone on the search's tile shape
// on all cores.
func KNN(o KNNOptions) (KNNResult, error) {
	r := KNNResult{Queries: o.Test.Len(), TrainRows: o.Train.Len(), Dim: data.Pixels, K: o.K, Cores: runtime.NumCPU(), AVX512: gemm.AVX512}
	start := time.Now()
	ix, err := knn.NewIndex(o.Train.Images, o.Train.Len(), data.Pixels)
	if err != nil {
		return r, err
	}
	r.IndexSeconds = time.Since(start).Seconds()
	nb, err := ix.Search(context.Background(), o.Test.Images, o.Test.Len(), o.K, nil)
	if err != nil {
		return r, err
	}
	r.Predictions, _ = knn.Predict(nb, o.K, o.Train.Labels, o.Classes, o.Weights)
	r.Seconds = time.Since(start).Seconds()
	r.SearchSeconds = r.Seconds - r.IndexSeconds
	r.GFLOPs = 2 * float64(r.Queries) * float64(r.TrainRows) * float64(r.Dim) / r.Seconds / 1e9
	r.Candidates = float64(nb.Candidates) / float64(max(r.Queries, 1))
	for i, p := range r.Predictions {
		if p == o.Test.Labels[i] {
			r.Correct++
		}
	}
	r.Accuracy = float64(r.Correct) / float64(max(r.Queries, 1))
	r.PeakRSSMiB = PeakRSSMiB()
	r.KernelGFLOPs = kernelGFLOPs(r.Dim)
	return r, nil
}

// WriteKNN prints a KNNResult.
func WriteKNN(w io.Writer, r KNNResult) {
	fmt.Fprintf(w, "exact kNN, raw pixels: %d queries x %d training rows x %d values, k = %d, %d cores (AVX-512 kernel: %v)\n",
		r.Queries, r.TrainRows, r.Dim, r.K, r.Cores, r.AVX512)
	fmt.Fprintf(w, "%.2f s (index %.2f s + search %.2f s), %.0f GFLOP/s; the matrix kernel alone: %.0f GFLOP/s (%.0f%%)\n",
		r.Seconds, r.IndexSeconds, r.SearchSeconds, r.GFLOPs, r.KernelGFLOPs, 100*r.GFLOPs/r.KernelGFLOPs)
	fmt.Fprintf(w, "accuracy %.2f%% (%d of %d), %.1f candidates ranked in float64 per query, peak RSS %.0f MiB\n",
		100*r.Accuracy, r.Correct, r.Queries, r.Candidates, r.PeakRSSMiB)
}
