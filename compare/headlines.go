package compare

import (
	"fmt"
	"sort"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// headlines are the summary's bullets: one short line for each test the
// conclusions state at length below, with the same verdict from the same
// test (McNemar's on kNN predictions, the per-image interval of the
// reconstruction errors, the paired interval over finetune's seeds, the
// per-batch interval of the Fréchet distances).
func headlines(r *results.Comparison) []string {
	if len(r.KNN) == 0 {
		return nil
	}
	var out []string
	stated := map[[2]string]bool{}
	pair := func(prefix string, a, b *results.KNN) {
		if stated[[2]string{a.Representation, b.Representation}] || stated[[2]string{b.Representation, a.Representation}] {
			return
		}
		stated[[2]string{a.Representation, b.Representation}] = true
		out = append(out, prefix+shortPair(r, a, b))
	}
	ranked := append([]results.KNN(nil), r.KNN...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Accuracy > ranked[j].Accuracy })
	if len(ranked) > 1 {
		pair("Most accurate by kNN: ", &ranked[0], &ranked[1])
	} else {
		out = append(out, fmt.Sprintf("Most accurate by kNN: %s (%s), the only representation.", ranked[0].Label(), pct(ranked[0].Accuracy)))
	}
	ae, px := bestOf(r.KNN, results.Autoencoder), bestOf(r.KNN, results.Pixels)
	if ae == nil {
		ae = bestOf(r.KNN, results.VAE)
	}
	if ae != nil {
		pca, same := bestOf(r.KNN, results.PCA), r.Find(results.PCARep(ae.Dim))
		if pca != nil && pca != same {
			pair(capital(ae.Label())+" against the best PCA: ", ae, pca)
		}
		if same != nil && ae.Kind == results.Autoencoder {
			pair(fmt.Sprintf("At the same size (%d values): ", ae.Dim), ae, same)
		}
		if px != nil {
			pair(capital(ae.Label())+" against raw pixels: ", ae, px)
		}
	}
	if r.Reduce != nil {
		out = append(out, shortReconstructions(r.Reduce)...)
	}
	if r.Finetune != nil {
		out = append(out, shortTransfer(withEveryBlock(r.Finetune, encoderDepth(r)))...)
		out = append(out, shortBlocks(r.Finetune)...)
	}
	if g := r.Generation; g != nil && g.Difference != nil {
		d := g.Difference
		who := map[string]string{"vae": "the VAE", "autoencoder": "the autoencoder"}
		name := func(m string) string {
			if w, ok := who[m]; ok {
				return w
			}
			return m
		}
		verdict := "not distinguishable"
		switch {
		case d.High < 0:
			verdict = name(d.A) + "'s samples closer to the test images"
		case d.Low > 0:
			verdict = name(d.B) + "'s samples closer to the test images"
		}
		out = append(out, fmt.Sprintf("Fréchet distance of the samples, %s against %s: %s (per-batch difference %+.2f, 95%% interval [%+.2f, %+.2f]).",
			name(d.A), name(d.B), verdict, d.Mean, d.Low, d.High))
	}
	return out
}

// shortPair is a's and b's accuracies and the verdict of McNemar's test.
func shortPair(r *results.Comparison, a, b *results.KNN) string {
	s := fmt.Sprintf("%s %s, %s %s", a.Label(), pct(a.Accuracy), b.Label(), pct(b.Accuracy))
	t, ok := r.Test(a.Representation, b.Representation)
	switch {
	case !ok:
		return s + "; no paired test."
	case !t.Significant():
		return s + fmt.Sprintf(": not distinguishable (McNemar p %s).", pText(t.P))
	}
	win := a
	if b.Accuracy > a.Accuracy {
		win = b
	}
	return s + fmt.Sprintf(": %s ahead (McNemar p %s).", win.Label(), pText(t.P))
}

// shortReconstructions is the model's test MSE against PCA's (the largest
// and that of the code's size), from the per-image interval.
func shortReconstructions(red *results.Reduction) []string {
	ae, who := red.Find(results.Autoencoder), "the autoencoder"
	if ae == nil {
		ae, who = red.Find(results.VAE), "the VAE"
	}
	if ae == nil || ae.TestMSE == 0 {
		return nil
	}
	largest := red.Find(results.PCA)
	var out []string
	for _, c := range red.Reconstruction {
		if c.A != ae.Name || largest == nil {
			continue
		}
		var pca *results.Representation
		for i := range red.Representations {
			if red.Representations[i].Name == c.B {
				pca = &red.Representations[i]
			}
		}
		if pca == nil || (pca != largest && pca.Dim != ae.Dim) { // the pairs the conclusions state
			continue
		}
		verdict := "not distinguishable"
		switch {
		case c.High < 0:
			verdict = who + " lower"
		case c.Low > 0:
			verdict = pca.Label() + " lower"
		}
		out = append(out, fmt.Sprintf("Test reconstruction MSE: %s %.5f, %s %.5f: %s (per-image interval [%+.5f, %+.5f]).",
			who, ae.TestMSE, pca.Label(), pca.TestMSE, verdict, c.Low, c.High))
	}
	return out
}

// shortTransfer is, per label count, the pairs concludeFinetune states:
// the frozen encoder against scratch, then fine-tuning against the better
// of the two, from their paired interval over seeds.
func shortTransfer(f *results.Transfer) []string {
	rows := map[config.LabelCount]map[config.Method]results.TransferRow{}
	var counts []config.LabelCount
	for _, row := range f.Summary {
		if rows[row.LabelsPerClass] == nil {
			rows[row.LabelsPerClass] = map[config.Method]results.TransferRow{}
			counts = append(counts, row.LabelsPerClass)
		}
		rows[row.LabelsPerClass][row.Method] = row
	}
	sort.Slice(counts, func(i, j int) bool { return labelOrder(counts[i]) < labelOrder(counts[j]) })
	var out []string
	for _, n := range counts {
		m := rows[n]
		fr, okF := m[config.Frozen]
		sc, okS := m[config.Scratch]
		if okF && okS {
			out = append(out, "With "+countText(n)+": "+shortMethods(f, n, fr, sc))
		}
		un, ok := m[config.Unfrozen]
		switch {
		case !ok:
		case okF && (!okS || fr.MeanAccuracy >= sc.MeanAccuracy):
			out = append(out, "With "+countText(n)+": "+shortMethods(f, n, un, fr))
		case okS:
			out = append(out, "With "+countText(n)+": "+shortMethods(f, n, un, sc))
		}
	}
	return out
}

// shortMethods is two methods' accuracies and the verdict of their paired
// interval.
func shortMethods(f *results.Transfer, n config.LabelCount, a, b results.TransferRow) string {
	s := fmt.Sprintf("%s %s, %s %s", methodName[a.Method], pct(a.MeanAccuracy), methodName[b.Method], pct(b.MeanAccuracy))
	d, ok := difference(f, n, a.Method, b.Method)
	switch {
	case !ok:
		return s + ": no paired comparison recorded."
	case d.Pairs < 2:
		return s + ": one run each, no winner named."
	}
	iv := fmt.Sprintf("%+.2f points, 95%% interval [%+.2f, %+.2f], %d seeds", 100*d.Mean, 100*d.Low, 100*d.High, d.Pairs)
	switch {
	case d.Low > 0:
		return s + fmt.Sprintf(": %s ahead (%s).", methodName[a.Method], iv)
	case d.High < 0:
		return s + fmt.Sprintf(": %s ahead (%s).", methodName[b.Method], iv)
	}
	return s + ": not distinguishable (" + iv + ")."
}
