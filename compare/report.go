package compare

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// report is a comparison being written: its numbers and the 2-D views of
// the codes that only the plots need.
type report struct {
	*results.Comparison
	scatter map[results.Kind]scatter
}

// scatterTitles are the scatter plots' titles and axes.
var scatterTitles = map[results.Kind][3]string{
	results.PCA:         {"Test images on their first two PCA components", "first principal component", "second principal component"},
	results.Autoencoder: {"Test images' codes on their first two principal components", "first principal component", "second principal component"},
}

// write draws the comparison plots and writes the three reports.
func (r *report) write(run layout.Run) error {
	if err := os.MkdirAll(run.StageDir(layout.Compare), 0o755); err != nil {
		return err
	}
	if err := writeAccuracyBars(run.ReportPlot("knn_accuracy"), r.KNN); err != nil {
		return err
	}
	if err := writeCurve(run.ReportPlot("knn_curve"), r.KNN); err != nil {
		return err
	}
	for kind, s := range r.scatter {
		t := scatterTitles[kind]
		if err := writeScatter(run.ReportPlot("scatter_"+string(kind)), t[0], t[1], t[2], classNames(r.Comparison), s); err != nil {
			return err
		}
	}
	if err := writeConfusions(run, r.KNN, classNames(r.Comparison)); err != nil {
		return err
	}
	secs := sections(r.Comparison, run, exists)
	title := "hourglass report: " + r.Name
	if err := atomicfile.WriteBytes(run.ReportMarkdown(), []byte(renderMarkdown(title, secs))); err != nil {
		return err
	}
	page, err := renderHTML(title, run.Root, secs)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(run.ReportHTML(), []byte(page)); err != nil {
		return err
	}
	return atomicfile.WriteJSON(run.ResultsJSON(), r.Comparison)
}

func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

// sections lays the report out; exists says whether a figure file is there.
func sections(r *results.Comparison, run layout.Run, exists func(string) bool) []section {
	figAlt := func(path, caption, alt string) []block {
		if exists(path) {
			return []block{figure{run.Rel(path), caption, alt}}
		}
		return nil
	}
	fig := func(path, caption string) []block { return figAlt(path, caption, caption) }
	var secs []section
	secs = append(secs, summary(r), conclusions(r))

	setup := []block{para(fmt.Sprintf("Experiment %q, seed %d, GoMLX backend %q on %d cores; gonum BLAS: %s.", r.Name, r.Seed, r.Backend, r.Cores, r.BLAS)),
		para(fmt.Sprintf("Neighbours and PCA fitted on %d training images; %d test images, of which %d are kNN queries%s.", r.TrainImages, r.TestImages, r.Queries,
			map[bool]string{true: fmt.Sprintf(" (compare.test_subset = %d: a quick run, not the full protocol)", r.TestSubset), false: ""}[r.TestSubset > 0])),
		para(fmt.Sprintf("kNN: k = %d, euclidean distance, %s votes; engine: %s.", r.K, r.Weights, r.KNNPath))}
	if len(r.Versions) > 0 {
		t := table{head: []string{"library", "version"}}
		for _, k := range slices.Sorted(maps.Keys(r.Versions)) {
			t.rows = append(t.rows, []string{k, r.Versions[k]})
		}
		setup = append(setup, t)
	}
	secs = append(secs, section{"Setup", setup})
	if r.Data != nil {
		secs = append(secs, dataSection(r))
	}

	if r.Pretrain != nil {
		secs = append(secs, pretrainSection(r, run, figAlt))
	}

	if red := r.Reduce; red != nil {
		b := []block{para(fmt.Sprintf("PCA fitted in %.2fs on %d training images.", red.PCAFitSeconds, red.TrainImages))}
		t := table{head: []string{"representation", "values per image", "explained variance", "test reconstruction MSE"}}
		for _, rep := range red.Representations {
			ev := "-"
			if rep.Kind == results.PCA && rep.Dim <= len(red.Cumulative) {
				ev = pct(red.Cumulative[rep.Dim-1])
			}
			t.rows = append(t.rows, []string{rep.Name, fmt.Sprint(rep.Dim), ev, fmt.Sprintf("%.5f", rep.TestMSE)})
		}
		b = append(b, t)
		b = append(b, figAlt(run.ExplainedVariancePlot(), "PCA explained variance per component and cumulative, the configured sizes marked",
			"Line chart of PCA explained variance per component and cumulative")...)
		secs = append(secs, section{"Representations", b})
	}

	kb := []block{}
	t := table{head: []string{"representation", "dims", "accuracy", "macro-F1", "tied votes", "kNN seconds"}}
	for _, k := range r.KNN {
		t.rows = append(t.rows, []string{k.Representation, fmt.Sprint(k.Dim), pct(k.Accuracy), fmt.Sprintf("%.3f", k.MacroF1),
			fmt.Sprint(k.TiedVotes), fmt.Sprintf("%.1f", k.Seconds)})
	}
	kb = append(kb, t)
	kb = append(kb, para(tieSentence(r)))
	if c := checkSentence(r); c != "" {
		kb = append(kb, para(c))
	}
	var accs []string
	for _, k := range r.KNN {
		accs = append(accs, fmt.Sprintf("%s %s", k.Representation, pct(k.Accuracy)))
	}
	kb = append(kb, figAlt(run.ReportPlot("knn_accuracy"), "kNN test accuracy by representation, with 95% intervals (Wilson) and the figure on each bar",
		"Bar chart of kNN test accuracy: "+strings.Join(accs, ", "))...)
	if curve := curveTable(r.KNN); curve != nil {
		kb = append(kb, para("Accuracy against the number of neighbours k (one search of the largest k serves every k):"), *curve)
		kb = append(kb, fig(run.ReportPlot("knn_curve"), "kNN test accuracy against k, by representation")...)
	}
	if len(r.KNNTests) > 0 {
		tt := table{head: []string{"a", "b", "accuracy a", "accuracy b", "only a right", "only b right", "McNemar p", "verdict (p < 0.05)"}}
		for _, t := range r.KNNTests {
			verdict := "not distinguishable"
			if t.Significant() {
				verdict = t.A + " better"
				if t.AccB > t.AccA {
					verdict = t.B + " better"
				}
			}
			tt.rows = append(tt.rows, []string{t.A, t.B, pct(t.AccA), pct(t.AccB), fmt.Sprint(t.OnlyA), fmt.Sprint(t.OnlyB), strings.TrimPrefix(pText(t.P), "= "), verdict})
		}
		kb = append(kb, para("Paired comparisons on the same test images (McNemar's exact test on the queries only one representation classified right):"), tt)
	}
	pc := table{head: append([]string{"class"}, names(r.KNN)...)}
	for c, n := range classNames(r) {
		row := []string{n}
		for _, k := range r.KNN {
			if c >= len(k.PerClass) || c >= len(k.Precision) || c >= len(k.F1) {
				row = append(row, "-")
				continue
			}
			row = append(row, fmt.Sprintf("%s / %s / %.3f", pct(k.Precision[c]), pct(k.PerClass[c]), k.F1[c]))
		}
		pc.rows = append(pc.rows, row)
	}
	kb = append(kb, para("Per class, from golearn's evaluation package: precision / recall (the class's accuracy) / F1:"), pc)
	var heat gallery
	for _, k := range r.KNN {
		f := figAlt(run.ReportPlot("confusion_"+k.Representation), fmt.Sprintf("Confusion matrix, %s: rows are the true class, colour the row's share", k.Representation),
			fmt.Sprintf("Heatmap of the confusion matrix of %s", k.Representation))
		if len(f) > 0 {
			heat = append(heat, f[0].(figure))
		}
	}
	if len(heat) > 0 {
		kb = append(kb, htmlOnly{para("Confusion matrices (rows: true class, columns: predicted class; counts in the cells, colour by the share of the row):")}, heat)
	}
	for _, k := range r.KNN {
		kb = append(kb, markdownOnly{para(fmt.Sprintf("Confusion matrix, %s (rows: true class, columns: predicted):", k.Representation))}, markdownOnly{confusion(k, classNames(r))})
	}
	secs = append(secs, section{"kNN accuracy by representation", kb})

	if f := r.Finetune; f != nil {
		b := []block{}
		ft := table{head: []string{"method", "labels per class", "runs", "test accuracy (mean ± std)", "95% interval"}}
		for _, row := range f.Summary {
			ft.rows = append(ft.rows, []string{armLabel(row.Method, row.Blocks), row.LabelsPerClass.String(), fmt.Sprint(row.Runs),
				fmt.Sprintf("%s ± %.2f", pct(row.MeanAccuracy), 100*row.StdAccuracy), intervalText(row.Runs, row.Low, row.High)})
		}
		b = append(b, ft)
		if len(f.Differences) > 0 {
			dt := table{head: []string{"labels per class", "a - b", "seeds", "difference (points)", "95% interval", "verdict"}}
			for _, d := range f.Differences {
				verdict := "not distinguishable"
				switch {
				case d.Pairs < 2:
					verdict = "one run: no interval"
				case d.Significant() && d.Mean > 0:
					verdict = armLabel(d.A, d.ABlocks) + " better"
				case d.Significant():
					verdict = armLabel(d.B, d.BBlocks) + " better"
				}
				dt.rows = append(dt.rows, []string{d.LabelsPerClass.String(), fmt.Sprintf("%s - %s", armLabel(d.A, d.ABlocks), armLabel(d.B, d.BBlocks)), fmt.Sprint(d.Pairs),
					fmt.Sprintf("%+.2f", 100*d.Mean), intervalText(d.Pairs, d.Low, d.High), verdict})
			}
			b = append(b, para("Differences between methods paired by seed (the same labelled subset and head initialisation):"), dt)
		}
		b = append(b, figAlt(run.EfficiencyPlot(), "Test accuracy against labels per class: mean over seeds with its 95% interval",
			"Line chart of transfer test accuracy against labels per class, one line per method")...)
		if top := maxBlocks(f); top > 0 {
			b = append(b, para("frozen/n and unfrozen/n took the pretrained encoder's first n blocks (finetune.blocks); the blocks above n and the dense code were re-initialised as scratch's and trained with the head; scratch is n = 0."))
			b = append(b, figAlt(run.BlocksPlot(), "Test accuracy against the number of pretrained encoder blocks kept (0: scratch): mean over seeds with its 95% interval, one line per method and label count",
				"Line chart of transfer test accuracy against the number of pretrained blocks kept")...)
		}
		secs = append(secs, section{"Transfer learning", b})
	}

	if g := r.Generation; g != nil {
		secs = append(secs, generationSection(g, run, figAlt))
	}

	shown := min(r.Queries, mapPoints)
	sb := fig(run.ReportPlot("scatter_"+string(results.PCA)), fmt.Sprintf("The first %d test images on their first two PCA components, coloured and shaped by class", shown))
	sb = append(sb, fig(run.ReportPlot("scatter_"+string(results.Autoencoder)), fmt.Sprintf("The first %d test images' %s codes on their first two principal components, coloured and shaped by class", shown, codeModelName(r)))...)
	if len(r.Maps) > 0 {
		var cost []string
		for _, m := range r.Maps {
			cost = append(cost, fmt.Sprintf("%s %.1fs (final KL divergence %.2f)", m.Representation, m.Seconds, m.KL))
		}
		m := r.Maps[0]
		sb = append(sb, para(fmt.Sprintf("t-SNE maps (hourglass's exact t-SNE: perplexity %g, %d iterations, seed %d) of the first %d test images; "+
			"nearby points are neighbours in the representation, distances between groups mean little. Cost: %s.",
			m.Perplexity, m.Iterations, m.Seed, m.Points, strings.Join(cost, ", "))))
		for _, m := range r.Maps {
			sb = append(sb, figAlt(run.ReportPlot("tsne_"+m.Representation), fmt.Sprintf("t-SNE map of %s, coloured and shaped by class", m.Representation),
				fmt.Sprintf("Scatter plot of a t-SNE map of %d test images, %s", m.Points, m.Representation))...)
		}
	}
	if len(sb) > 0 {
		secs = append(secs, section{"Codes in two dimensions", sb})
	}
	return secs
}

// summary is the report's opening: the headline figures and the
// conclusion.
func summary(r *results.Comparison) section {
	var b []block
	t := table{head: []string{"representation", "values per image", "kNN accuracy", "test reconstruction MSE"}}
	for _, k := range r.KNN {
		mse := "-"
		if r.Reduce != nil {
			for _, rep := range r.Reduce.Representations {
				if rep.Name == k.Representation && rep.TestMSE > 0 {
					mse = fmt.Sprintf("%.5f", rep.TestMSE)
				}
			}
		}
		t.rows = append(t.rows, []string{k.Label(), fmt.Sprint(k.Dim), pct(k.Accuracy), mse})
	}
	b = append(b, t)
	if tt := transferSummary(r.Finetune); tt != nil {
		b = append(b, *tt)
	}
	if p := r.Pretrain; p != nil {
		b = append(b, para(pretrainSummary(p)))
	}
	b = append(b, bullets(r.Headlines))
	return section{"Summary", b}
}

// transferSummary is the transfer accuracies, a row per label count and a
// column per method: the mean over seeds and its 95% interval.
func transferSummary(f *results.Transfer) *table {
	if f == nil || len(f.Summary) == 0 {
		return nil
	}
	var methods []string
	var counts []config.LabelCount
	cell := map[config.LabelCount]map[string]string{}
	for _, row := range f.Summary {
		m := armLabel(row.Method, row.Blocks)
		if !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
		if cell[row.LabelsPerClass] == nil {
			cell[row.LabelsPerClass] = map[string]string{}
			counts = append(counts, row.LabelsPerClass)
		}
		c := pct(row.MeanAccuracy)
		if row.Runs > 1 {
			c += fmt.Sprintf(" [%.2f, %.2f]", 100*row.Low, 100*row.High)
		}
		cell[row.LabelsPerClass][m] = c
	}
	slices.SortFunc(counts, func(a, b config.LabelCount) int { return cmp.Compare(labelOrder(a), labelOrder(b)) })
	t := &table{head: []string{"labels per class (transfer accuracy, 95% interval)"}}
	t.head = append(t.head, methods...)
	for _, n := range counts {
		row := []string{n.String()}
		for _, m := range methods {
			c, ok := cell[n][m]
			if !ok {
				c = "-"
			}
			row = append(row, c)
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// armLabel is a transfer method with the encoder blocks it took, where
// finetune.blocks was set: "frozen/2".
func armLabel(m config.Method, blocks int) string {
	if blocks > 0 {
		return fmt.Sprintf("%s/%d", m, blocks)
	}
	return string(m)
}

// conclusions is the conclusions at length, each with its test's figures.
func conclusions(r *results.Comparison) section {
	var b []block
	for _, c := range r.Conclusion {
		b = append(b, para(c))
	}
	return section{"Conclusions", b}
}

func names(rs []results.KNN) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Representation
	}
	return out
}

func confusion(k results.KNN, classes []string) table {
	t := table{head: []string{"true \\ predicted"}}
	for c := range classes {
		t.head = append(t.head, fmt.Sprint(c))
	}
	for c, n := range classes {
		row := []string{fmt.Sprintf("%d %s", c, n)}
		for p := range classes {
			row = append(row, fmt.Sprint(k.Confusion[c][p]))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// tieSentence says how many votes tied in this run, and how they were
// broken.
func tieSentence(r *results.Comparison) string {
	var parts []string
	for _, k := range r.KNN {
		parts = append(parts, fmt.Sprintf("%s %d", k.Representation, k.TiedVotes))
	}
	rule := "broken towards the smallest label, as scikit-learn does"
	if r.Engine == "golearn" {
		rule = "which golearn breaks at random (Go map order), so accuracy can move between runs"
	}
	return fmt.Sprintf("Queries whose %d neighbours' vote tied, of %d: %s; %s.", r.K, r.Queries, strings.Join(parts, ", "), rule)
}

// checkSentence reports golearn's cross-check of the exact engine.
func checkSentence(r *results.Comparison) string {
	var parts []string
	problems := 0
	var secs float64
	for _, k := range r.KNN {
		c := k.Check
		if c == nil {
			continue
		}
		s := fmt.Sprintf("%s %d of %d agree", k.Representation, c.Agree, c.Queries)
		if c.TiedVote > 0 {
			s += fmt.Sprintf(", %d differ at a tied vote", c.TiedVote)
		}
		if c.TiedDistance > 0 {
			s += fmt.Sprintf(", %d at a tie in distance", c.TiedDistance)
		}
		if c.Unexplained > 0 {
			s += fmt.Sprintf(", %d UNEXPLAINED", c.Unexplained)
		}
		parts = append(parts, s)
		problems += c.Unexplained
		secs += c.Seconds
	}
	if len(parts) == 0 {
		return ""
	}
	out := fmt.Sprintf("Cross-check: golearn's own KNNClassifier (uniform votes) classified a sample of the queries: %s (%.1fs in all, apart from the search times above).",
		strings.Join(parts, "; "), secs)
	if problems > 0 {
		out += fmt.Sprintf(" %d disagreements are neither tied votes nor ties in distance: an error, listed in results.json and the run's log.", problems)
	} else {
		out += " Every difference is one golearn breaks at random or a tie in distance."
	}
	return out
}

// curveTable is accuracy against k, a row per k, a column per
// representation; nil when no representation has a curve.
func curveTable(rs []results.KNN) *table {
	var ks []int
	for _, r := range rs {
		for _, p := range r.Curve {
			if !slices.Contains(ks, p.K) {
				ks = append(ks, p.K)
			}
		}
	}
	if len(ks) == 0 {
		return nil
	}
	slices.Sort(ks)
	t := &table{head: append([]string{"k"}, names(rs)...)}
	for _, k := range ks {
		row := []string{fmt.Sprint(k)}
		for _, r := range rs {
			cell := "-"
			for _, p := range r.Curve {
				if p.K == k {
					cell = pct(p.Accuracy)
				}
			}
			row = append(row, cell)
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// intervalText writes a 95% interval in points, or says there is none.
func intervalText(n int, lo, hi float64) string {
	if n < 2 {
		return "one run: none"
	}
	return fmt.Sprintf("[%.2f, %.2f]", 100*lo, 100*hi)
}

// plural is "1 epoch", "2 epochs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// generationSection shows the generated pictures and the figures of every
// generative model.
func generationSection(g *results.Generation, run layout.Run, figAlt func(path, caption, alt string) []block) section {
	c := g.Classifier
	b := []block{para(fmt.Sprintf("Sample quality is the Fréchet distance in hourglass classifier features (not FID): the distance between the test images "+
		"and a model's samples as Gaussians in the %d-value penultimate layer of a classifier hourglass trained on %d labelled training images "+
		"(%d epochs, test accuracy %s), over %d samples and per batch of %d. Real training images are at %.2f from the test images: the floor.",
		c.Features, c.TrainImages, c.Epochs, pct(c.TestAccuracy), g.Floor.Images, g.Floor.Images/batchesOf(g.Floor), g.Floor.All))}
	t := table{head: []string{"model", "samples", "latent values", "Fréchet distance", "per batch", "test negative ELBO (nats)", "reconstruction + KL", "active units", "test MSE", "test reconstructions' distance"}}
	t.rows = append(t.rows, []string{"real training images (floor)", "", "", fmt.Sprintf("%.2f", g.Floor.All), batchRange(g.Floor), "", "", "", "", ""})
	for _, m := range g.Models {
		elbo, parts, active := "-", "-", "-"
		if m.Name == "vae" {
			elbo, parts, active = fmt.Sprintf("%.2f", m.TestNegELBO), fmt.Sprintf("%.2f + %.2f", m.TestRecon, m.TestKL), fmt.Sprintf("%d of %d", m.ActiveUnits, m.Latent)
		}
		recon := "-"
		if m.Reconstructions.Images > 0 {
			recon = fmt.Sprintf("%.2f", m.Reconstructions.All)
		}
		t.rows = append(t.rows, []string{m.Name, m.How, fmt.Sprint(m.Latent), fmt.Sprintf("%.2f", m.Quality.All), batchRange(m.Quality), elbo, parts, active, fmt.Sprintf("%.5f", m.TestMSE), recon})
		if ind := m.Independent; ind != nil {
			t.rows = append(t.rows, []string{m.Name + ", independent values", "as above with the covariance's diagonal only", fmt.Sprint(m.Latent),
				fmt.Sprintf("%.2f", ind.All), batchRange(*ind), "-", "-", "-", "-", "-"})
		}
	}
	b = append(b, t)
	b = append(b, figAlt(run.Samples(), "Samples: points drawn from the prior N(0, I), decoded by the VAE", "Grid of images the VAE generated from the prior")...)
	b = append(b, figAlt(run.AutoencoderSamples(), "The plain autoencoder's samples: codes drawn from a Gaussian fitted to its training codes, decoded",
		"Grid of images decoded from a Gaussian fitted to the autoencoder's codes")...)
	b = append(b, figAlt(run.Interpolations(), "Interpolations: each row walks from one test image's posterior mean to the next's",
		"Rows of images morphing between pairs of test images")...)
	b = append(b, figAlt(run.Traversals(), "Traversals: each of the most active latent dimensions from -3 to 3, the others at 0 (two dimensions: the manifold over the prior's quantiles)",
		"Rows of images along single latent dimensions")...)
	return section{"Generation", b}
}

func batchesOf(d results.Distance) int { return max(len(d.Batches), 1) }

// batchRange is "mean (min to max)" of the per-batch distances.
func batchRange(d results.Distance) string {
	if len(d.Batches) == 0 {
		return "-"
	}
	lo, hi, sum := d.Batches[0], d.Batches[0], 0.0
	for _, v := range d.Batches {
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
	}
	return fmt.Sprintf("%.2f (%.2f to %.2f)", sum/float64(len(d.Batches)), lo, hi)
}

// codeModelName names the model whose codes the second scatter plot
// shows: the autoencoder's, or the VAE's where the run has only those.
func codeModelName(r *results.Comparison) string {
	if red := r.Reduce; red != nil && red.Find(results.Autoencoder) == nil && red.Find(results.VAE) != nil {
		return "VAE"
	}
	return "autoencoder"
}

// classNames are the experiment's class names (Fashion-MNIST's when the
// results say nothing about the data).
func classNames(r *results.Comparison) []string {
	if r.Data != nil && len(r.Data.Classes) > 0 {
		return r.Data.Classes
	}
	return data.FashionClasses
}
