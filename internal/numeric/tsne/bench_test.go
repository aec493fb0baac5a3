package tsne

import (
	"testing"

	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// BenchmarkPixels maps 2,000 real test images (784 pixels), perplexity
// 30, 1,000 iterations: what the report draws for raw pixels.
func BenchmarkPixels(b *testing.B) {
	s := testutil.TinySplits(b, 1, 1, 2000)
	for range b.N {
		if _, err := Embed(s.Test.Images, 2000, 784, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
