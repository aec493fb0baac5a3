package compare

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
)

// conclude writes the plain-words conclusion. Every sentence that ranks
// two things follows from a test: McNemar's exact test for two
// representations on the same test images (better only when p < 0.05),
// the 95% interval of a paired difference for transfer methods (a winner
// only when it excludes zero) and for reconstruction errors. Winners'
// figures come first; sentences say what this run measured, nothing more.
func conclude(r *results.Comparison) []string {
	if len(r.KNN) == 0 {
		return []string{"No representation was scored."}
	}
	var out []string
	out = append(out, concludeBest(r))
	ae, px := bestOf(r.KNN, results.Autoencoder), bestOf(r.KNN, results.Pixels)
	claim := "the paper's claim that autoencoder codes beat PCA"
	if ae == nil { // a VAE experiment: its mean codes in the autoencoder's place, no claim
		ae, claim = bestOf(r.KNN, results.VAE), ""
	}
	if ae != nil {
		pca := bestOf(r.KNN, results.PCA)
		same := r.Find(results.PCARep(ae.Dim)) // PCA of the code's size: the paper's 4.1 at equal size
		sameClaim := ""
		if claim != "" {
			sameClaim = fmt.Sprintf("the paper's claim (its section 4.1) that autoencoder codes beat PCA at the same size, %d values,", ae.Dim)
		}
		if pca != nil && pca != same {
			out = append(out, concludePair(r, ae, pca, claim))
		}
		if same != nil && ae.Kind == results.Autoencoder {
			out = append(out, fmt.Sprintf("At the same size (%d values): %s", ae.Dim, concludePair(r, ae, same, sameClaim)))
		}
		if px != nil {
			s := concludePair(r, ae, px, "")
			out = append(out, s[:len(s)-1]+fmt.Sprintf("; %s' kNN search took %.1fs, raw pixels' %.1fs.", ae.Label(), ae.Seconds, px.Seconds))
		}
	}
	if small := smallest(r.KNN, results.PCA); small != nil && px != nil {
		out = append(out, fmt.Sprintf("The smallest code, %s, keeps %.1f%% of raw pixels' accuracy with %.1f%% of their size, and its kNN search took %.1fs against %.1fs.",
			small.Label(), 100*small.Accuracy/px.Accuracy, 100*float64(small.Dim)/float64(px.Dim), small.Seconds, px.Seconds))
	}
	if r.Reduce != nil {
		out = append(out, concludeReconstructions(r.Reduce)...)
	}
	if r.Finetune != nil {
		out = append(out, concludeFinetune(withEveryBlock(r.Finetune, encoderDepth(r)))...)
		out = append(out, concludeBlocks(r.Finetune)...)
	}
	if r.Generation != nil {
		out = append(out, concludeGeneration(r.Generation))
	}
	return out
}

// concludeGeneration compares the VAE's samples with the plain
// autoencoder's Gaussian-fitted ones by the interval of their per-batch
// Fréchet distances' difference (lower is closer to the test images).
func concludeGeneration(g *results.Generation) string {
	floor := fmt.Sprintf("real training images reach %.2f", g.Floor.All)
	byName := map[string]results.GenerativeModel{}
	for _, m := range g.Models {
		byName[m.Name] = m
	}
	vae, hasVAE := byName["vae"]
	ae, hasAE := byName["autoencoder"]
	switch {
	case hasVAE && hasAE && g.Difference != nil:
		d := g.Difference
		iv := fmt.Sprintf("per batch of samples the VAE's distance less the autoencoder's is %+.2f, 95%% interval [%+.2f, %+.2f]", d.Mean, d.Low, d.High)
		switch {
		case d.High < 0:
			return fmt.Sprintf("The VAE's samples are closer to the test images than the autoencoder's Gaussian-fitted samples: Fréchet distance %.2f against %.2f in hourglass classifier features (%s; %s).",
				vae.Quality.All, ae.Quality.All, iv, floor)
		case d.Low > 0:
			return fmt.Sprintf("The autoencoder's Gaussian-fitted samples are closer to the test images than the VAE's: Fréchet distance %.2f against %.2f in hourglass classifier features (%s; %s).",
				ae.Quality.All, vae.Quality.All, iv, floor) + whyAutoencoder(vae, ae)
		}
		return fmt.Sprintf("The VAE's samples (Fréchet distance %.2f) and the autoencoder's Gaussian-fitted samples (%.2f) are not distinguishable in hourglass classifier features (%s; %s).",
			vae.Quality.All, ae.Quality.All, iv, floor)
	case hasVAE:
		return fmt.Sprintf("The VAE's samples are at a Fréchet distance of %.2f from the test images in hourglass classifier features (%s); set generate.autoencoder to an autoencoder experiment to compare its samples.",
			vae.Quality.All, floor)
	case hasAE:
		return fmt.Sprintf("The autoencoder's samples, decoded from a Gaussian fitted to its training codes, are at a Fréchet distance of %.2f from the test images in hourglass classifier features (%s).",
			ae.Quality.All, floor)
	}
	return "No generative model was measured."
}

// whyAutoencoder says, where the per-batch intervals show it, why the
// autoencoder's samples came out closer: the VAE's decoder cannot get
// closer even from real images' codes, and the autoencoder's lead needs
// the full covariance of its codes.
func whyAutoencoder(vae, ae results.GenerativeModel) string {
	var s string
	if further(vae.Reconstructions, ae.Quality) {
		s += fmt.Sprintf(" Even the VAE's reconstructions of the test images, decoded from their posterior means, are further (%.2f): the gap lies in what its %d-value decoder draws, not in how its latent points are drawn.",
			vae.Reconstructions.All, vae.Latent)
	}
	if ae.Independent != nil && further(*ae.Independent, vae.Quality) {
		s += fmt.Sprintf(" With each of its %d code values drawn independently the autoencoder's samples are further than the VAE's (%.2f): its lead rests on the full covariance fitted to its training codes.",
			ae.Latent, ae.Independent.All)
	}
	return s
}

// further is whether a's per-batch distances are larger than b's: the
// 95% interval of their difference lies above zero.
func further(a, b results.Distance) bool {
	if len(a.Batches) < 2 || len(b.Batches) < 2 {
		return false
	}
	_, lo, _ := stats.Welch(a.Batches, b.Batches)
	return lo > 0
}

// mcnemarText states a test's figures.
func mcnemarText(t results.PairedTest) string {
	return fmt.Sprintf("McNemar's exact test on the queries only one of the two classified right (%d against %d) gives p %s",
		t.OnlyA, t.OnlyB, pText(t.P))
}

// pText is "= 0.0123", or "< 0.0001".
func pText(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return fmt.Sprintf("= %.4f", p)
}

// concludeBest names the most accurate representation and says whether
// its lead over the runner-up holds on this test set.
func concludeBest(r *results.Comparison) string {
	ranked := append([]results.KNN(nil), r.KNN...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Accuracy > ranked[j].Accuracy })
	best := ranked[0]
	s := fmt.Sprintf("With %d-nearest-neighbour classification on %d test images, %s scored best: %.2f%% accuracy with %d values per image",
		r.K, r.Queries, best.Label(), 100*best.Accuracy, best.Dim)
	if len(ranked) == 1 {
		return s + "."
	}
	second := ranked[1]
	t, ok := r.Test(best.Representation, second.Representation)
	switch {
	case !ok:
		return s + fmt.Sprintf(", %.2f points ahead of %s (%.2f%%); no paired test was run.", 100*(best.Accuracy-second.Accuracy), second.Label(), 100*second.Accuracy)
	case t.Significant():
		return s + fmt.Sprintf(", %.2f points ahead of %s (%.2f%%); %s, so the lead holds on this test set.",
			100*(best.Accuracy-second.Accuracy), second.Label(), 100*second.Accuracy, mcnemarText(t))
	}
	return s + fmt.Sprintf(", but on this test set it is not distinguishable from %s (%.2f%%): %s.", second.Label(), 100*second.Accuracy, mcnemarText(t))
}

// concludePair compares two representations, the more accurate named
// first; claim, when set, is what a significant result confirms or
// refutes when a (the first argument) is the one the claim favours.
func concludePair(r *results.Comparison, a, b *results.KNN, claim string) string {
	t, ok := r.Test(a.Representation, b.Representation)
	if !ok {
		return fmt.Sprintf("%s scored %.2f%% and %s %.2f%%; no paired test was run.", capital(a.Label()), 100*a.Accuracy, b.Label(), 100*b.Accuracy)
	}
	win, lose := a, b
	if b.Accuracy > a.Accuracy {
		win, lose = b, a
	}
	if !t.Significant() {
		s := fmt.Sprintf("%s (%.2f%%) and %s (%.2f%%) are not distinguishable on this test set: %s", capital(win.Label()), 100*win.Accuracy,
			lose.Label(), 100*lose.Accuracy, mcnemarText(t))
		if claim != "" {
			s += fmt.Sprintf(", so %s is neither confirmed nor refuted here", claim)
		}
		return s + "."
	}
	s := fmt.Sprintf("%s beat %s: %.2f%% against %.2f%%; %s", capital(win.Label()), lose.Label(), 100*win.Accuracy, 100*lose.Accuracy, mcnemarText(t))
	if claim != "" {
		verdict := "holds"
		if win != a {
			verdict = "does not hold"
		}
		s += fmt.Sprintf(", so %s %s here", claim, verdict)
	}
	return s + "."
}

// concludeReconstructions compares the model's test reconstruction error
// (the autoencoder's, or the VAE's decoded from its mean codes) with the
// largest PCA's and with that of PCA of the code's size, paired by image.
func concludeReconstructions(red *results.Reduction) []string {
	ae, who := red.Find(results.Autoencoder), "the autoencoder"
	if ae == nil {
		ae, who = red.Find(results.VAE), "the VAE"
	}
	largest := red.Find(results.PCA)
	if ae == nil || largest == nil || ae.TestMSE == 0 {
		return nil
	}
	out := []string{concludeReconstruction(red, ae, largest, who)}
	for i := range red.Representations {
		if p := &red.Representations[i]; p.Kind == results.PCA && p.Dim == ae.Dim && p != largest {
			s := strings.TrimPrefix(concludeReconstruction(red, ae, p, who), "At reconstruction ")
			out = append(out, fmt.Sprintf("At reconstruction and the same size (%d values), %s", ae.Dim, s))
		}
	}
	return out
}

// concludeReconstruction compares ae's test reconstruction error with
// pca's, paired by image.
func concludeReconstruction(red *results.Reduction, ae, pca *results.Representation, who string) string {
	var c *results.MSEComparison
	for i := range red.Reconstruction {
		if red.Reconstruction[i].A == ae.Name && red.Reconstruction[i].B == pca.Name {
			c = &red.Reconstruction[i]
		}
	}
	if c == nil {
		return fmt.Sprintf("At reconstruction %s's test MSE is %.5f and that of %s %.5f; no paired test was run.", who, ae.TestMSE, pca.Label(), pca.TestMSE)
	}
	iv := fmt.Sprintf("per image %s's error less PCA's is %+.5f on average, 95%% interval [%+.5f, %+.5f] over %d test images", who, c.Mean, c.Low, c.High, c.Images)
	if ae.Kind == results.VAE {
		iv = "the VAE's reconstructions decoded from its mean codes; " + iv
	}
	switch {
	case c.High < 0:
		return fmt.Sprintf("At reconstruction %s beat %s: test MSE %.5f against %.5f (%s).", who, pca.Label(), ae.TestMSE, pca.TestMSE, iv)
	case c.Low > 0:
		return fmt.Sprintf("At reconstruction %s beat %s: test MSE %.5f against %.5f (%s).", pca.Label(), who, pca.TestMSE, ae.TestMSE, iv)
	}
	return fmt.Sprintf("At reconstruction %s (test MSE %.5f) and %s (%.5f) are not distinguishable (%s).", who, ae.TestMSE, pca.Label(), pca.TestMSE, iv)
}

// methodName names a transfer method for people.
var methodName = map[config.Method]string{
	config.Frozen:   "the frozen encoder",
	config.Scratch:  "training from scratch",
	config.Unfrozen: "fine-tuning the encoder",
}

func concludeFinetune(f *results.Transfer) []string {
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
			out = append(out, "With "+countText(n)+", "+comparison(f, n, fr, sc)+".")
		}
		if un, ok := m[config.Unfrozen]; ok {
			var other results.TransferRow
			switch {
			case okF && (!okS || fr.MeanAccuracy >= sc.MeanAccuracy):
				other = fr
			case okS:
				other = sc
			default:
				continue
			}
			out = append(out, "There, "+comparison(f, n, un, other)+".")
		}
	}
	return out
}

// comparison states two methods' comparison at one label count from the
// interval of their paired difference, the winner's figure first.
func comparison(f *results.Transfer, n config.LabelCount, a, b results.TransferRow) string {
	d, ok := difference(f, n, a.Method, b.Method)
	if !ok {
		return fmt.Sprintf("%s scored %.2f%% and %s %.2f%%; no paired comparison was recorded (run `hourglass finetune` again)",
			methodName[a.Method], 100*a.MeanAccuracy, methodName[b.Method], 100*b.MeanAccuracy)
	}
	if d.Pairs < 2 {
		return fmt.Sprintf("%s scored %.2f%% and %s %.2f%% in %s: no interval, so no winner is named (set finetune.seeds to 5 or more)",
			methodName[a.Method], 100*a.MeanAccuracy, methodName[b.Method], 100*b.MeanAccuracy, runsText(min(a.Runs, b.Runs)))
	}
	win, lose, dd := a, b, d
	if a.MeanAccuracy < b.MeanAccuracy {
		win, lose = b, a
		dd.Mean, dd.Low, dd.High = -d.Mean, -d.High, -d.Low
	}
	iv := fmt.Sprintf("difference %+.2f points, 95%% interval [%+.2f, %+.2f] over %d seeds paired by subset", 100*dd.Mean, 100*dd.Low, 100*dd.High, d.Pairs)
	if d.Significant() {
		return fmt.Sprintf("%s beat %s: %.2f%% against %.2f%% (%s)", methodName[win.Method], methodName[lose.Method], 100*win.MeanAccuracy, 100*lose.MeanAccuracy, iv)
	}
	s := fmt.Sprintf("%s (%.2f%%) and %s (%.2f%%) are not distinguishable with %d seeds (%s)", methodName[win.Method], 100*win.MeanAccuracy,
		methodName[lose.Method], 100*lose.MeanAccuracy, d.Pairs, iv)
	switch {
	case d.SeedsNeeded > 0:
		s += fmt.Sprintf("; at the observed spread about %d seeds would tell them apart", d.SeedsNeeded)
	case d.Mean != 0:
		s += "; at the observed spread no number of seeds up to 1,000 would tell them apart"
	}
	return s
}

// difference is the paired difference a - b at n, in either stored order.
func difference(f *results.Transfer, n config.LabelCount, a, b config.Method) (results.TransferDiff, bool) {
	for _, d := range f.Differences {
		if d.LabelsPerClass != n {
			continue
		}
		if d.A == a && d.B == b {
			return d, true
		}
		if d.A == b && d.B == a {
			return results.TransferDiff{LabelsPerClass: n, A: a, B: b, Pairs: d.Pairs, Mean: -d.Mean, SD: d.SD, Low: -d.High, High: -d.Low, SeedsNeeded: d.SeedsNeeded}, true
		}
	}
	return results.TransferDiff{}, false
}

func countText(n config.LabelCount) string {
	if n == config.AllLabels {
		return "all labels"
	}
	return fmt.Sprintf("%d labels per class", n)
}

func runsText(n int) string {
	if n == 1 {
		return "one run each"
	}
	return fmt.Sprintf("%d runs each", n)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// labelOrder sorts label counts ascending with "all" last.
func labelOrder(n config.LabelCount) int {
	if n == config.AllLabels {
		return math.MaxInt
	}
	return int(n)
}

// bestOf is the most accurate representation of a kind, or nil.
func bestOf(rs []results.KNN, k results.Kind) *results.KNN {
	var b *results.KNN
	for i := range rs {
		if rs[i].Kind == k && (b == nil || rs[i].Accuracy > b.Accuracy) {
			b = &rs[i]
		}
	}
	return b
}

// smallest is the representation of a kind with the fewest values, or nil.
func smallest(rs []results.KNN, k results.Kind) *results.KNN {
	var b *results.KNN
	for i := range rs {
		if rs[i].Kind == k && (b == nil || rs[i].Dim < b.Dim) {
			b = &rs[i]
		}
	}
	return b
}
