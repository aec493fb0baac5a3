package knn

import (
	"context"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// BenchmarkSearchPixels searches the 10,000 real test images among the
// 60,000 training images (784 raw pixels), k = 5: compare with
// scripts/peers/sklearn_pca_knn.py in the same minute.
func BenchmarkSearchPixels(b *testing.B) {
	s := testutil.RealSplits(b, 0)
	ix, err := NewIndex(s.Full.Images, s.Full.Len(), 784)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var nb *Neighbours
	for i := 0; i < b.N; i++ {
		if nb, err = ix.Search(context.Background(), s.Test.Images, s.Test.Len(), 5, nil); err != nil {
			b.Fatal(err)
		}
	}
	flops := 2.0 * float64(s.Test.Len()) * float64(s.Full.Len()) * 784
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(float64(nb.Candidates)/float64(s.Test.Len()), "candidates/query")
	pred, _ := Predict(nb, 5, s.Full.Labels, 10, Uniform)
	ok := 0
	for i, p := range pred {
		if p == s.Test.Labels[i] {
			ok++
		}
	}
	b.ReportMetric(100*float64(ok)/float64(len(pred)), "accuracy%")
}
