package pca

import (
	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
)

// BenchmarkPCAFit fits PCA on the 60,000 real training images (the target:
// no slower than scikit-learn on the same machine, scripts/peers/sklearn_pca_knn.py).
func BenchmarkPCAFit(b *testing.B) {
	s, err := data.Prepare(config.Data{}, data.Grey28, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	x := codes.Matrix(s.Full)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := New(784).Fit(x); err != nil {
			b.Fatal(err)
		}
	}
}
