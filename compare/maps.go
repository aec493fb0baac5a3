package compare

import (
	"context"
	"fmt"
	"io"

	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/tsne"
)

// mapPoints is how many test images the t-SNE maps show.
const mapPoints = 2000

// tsneMaps draws t-SNE maps (exact, perplexity 30, 1,000 iterations,
// seeded) of the first test images for raw pixels, the most accurate PCA
// codes and the autoencoder codes: each representation's neighbourhoods,
// which two principal components show little of.
func (r *report) tsneMaps(ctx context.Context, run layout.Run, sources []source, labels []int, seed int64, log io.Writer) error {
	n := min(mapPoints, len(labels))
	want := map[string]bool{}
	for _, k := range []results.Kind{results.Pixels, results.PCA, results.Autoencoder, results.VAE} {
		if b := bestOf(r.KNN, k); b != nil {
			want[b.Representation] = true
		}
	}
	for _, src := range sources {
		if !want[src.Name()] || n < 100 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		test, err := src.test(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "t-SNE map of %d test images, %s\n", n, src.Name())
		m, err := tsne.Embed(test.data[:n*test.d], n, test.d, tsne.Options{Perplexity: 30, Iterations: 1000, Seed: seed})
		if err != nil {
			return fmt.Errorf("t-SNE map of %s: %w", src.Name(), err)
		}
		s := scatter{labels: labels[:n]}
		for i := range n {
			s.x, s.y = append(s.x, m.Y[2*i]), append(s.y, m.Y[2*i+1])
		}
		info := results.TSNEMap{Representation: src.Name(), Points: n, Perplexity: 30, Iterations: 1000, Seed: seed,
			KL: m.KL[len(m.KL)-1], Seconds: m.Seconds}
		title := fmt.Sprintf("t-SNE map of %d test images: %s", n, src.Label())
		if err := writeScatter(run.ReportPlot("tsne_"+src.Name()), title, "", "", classNames(r.Comparison), s); err != nil {
			return err
		}
		r.Maps = append(r.Maps, info)
	}
	return nil
}
