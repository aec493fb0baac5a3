package compare

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/evaluation"
	golearnknn "github.com/sjwhitworth/golearn/knn"

	"github.com/hourglass-ml/hourglass/internal/base/progress"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
	"github.com/hourglass-ml/hourglass/knn"
)

// The engines' descriptions, for the report.
const (
	ExactPath = "hourglass's exact search (squared distances screened in float32 on its matrix kernel with a proven error bound, " +
		"candidates ranked by distances recomputed in float64; equal distances: lower training index; tied votes: smallest label, as scikit-learn)"
	GolearnPath = "golearn KNNClassifier, linear search, optimised euclidean (cgo) on DenseInstances; tied votes broken at random (Go map order)"
)

// rows is a representation's vectors: n rows of d float32 values.
type rows struct {
	data []float32
	n, d int
}

func (r rows) row(i int) []float32 { return r.data[i*r.d : (i+1)*r.d] }

// slice keeps rows [0, n).
func (r rows) slice(n int) rows { return rows{r.data[:n*r.d], n, r.d} }

// exactKNN classifies every query with one exact search of the largest k
// the configuration needs, and scores the headline k and the curve.
func exactKNN(ctx context.Context, name string, train rows, trainLabels []int, test rows, testLabels []int, classes int, cfg config.Compare, log io.Writer) (*results.KNN, *knn.Neighbours, error) {
	start := time.Now()
	kmax := max(cfg.K, slices.Max(append([]int{1}, cfg.KCurve...)))
	if cfg.GolearnCheck > 0 {
		kmax = max(kmax, cfg.K+1) // the next neighbour tells a distance tie at the k-th
	}
	kmax = min(kmax, train.n)
	if cfg.K > train.n {
		return nil, nil, fmt.Errorf("kNN %s: compare.k = %d but only %d training rows", name, cfg.K, train.n)
	}
	ix, err := knn.NewIndex(train.data, train.n, train.d)
	if err != nil {
		return nil, nil, fmt.Errorf("kNN %s: %w", name, err)
	}
	bar := progress.New(log, "kNN "+name, int64(test.n), " queries")
	var mu sync.Mutex
	last := 0
	nb, err := ix.Search(ctx, test.data, test.n, kmax, func(done int) {
		mu.Lock()
		defer mu.Unlock()
		if done > last {
			bar.Add(int64(done - last))
			last = done
		}
	})
	bar.Finish()
	if err != nil {
		return nil, nil, fmt.Errorf("kNN %s: %w", name, err)
	}
	w := knn.Weights(cfg.Weights)
	pred, tied := knn.Predict(nb, cfg.K, trainLabels, classes, w)
	r, err := score(pred, testLabels, classes)
	if err != nil {
		return nil, nil, err
	}
	r.Engine, r.Weights, r.TiedVotes = "exact", cfg.Weights, tied
	for _, k := range cfg.KCurve {
		if k > train.n {
			continue
		}
		p, _ := knn.Predict(nb, k, trainLabels, classes, w)
		r.Curve = append(r.Curve, results.KPoint{K: k, Accuracy: stats.Accuracy(p, testLabels)})
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nb, nil
}

// golearnKNN classifies every query with golearn's own KNNClassifier.
func golearnKNN(ctx context.Context, name string, train rows, trainLabels []int, test rows, testLabels []int, classes int, cfg config.Compare, log io.Writer) (*results.KNN, error) {
	start := time.Now()
	if cfg.K > train.n {
		return nil, fmt.Errorf("kNN %s: compare.k = %d but only %d training rows", name, cfg.K, train.n)
	}
	cls, err := golearnClassifier(train, trainLabels, classes, cfg.K)
	if err != nil {
		return nil, fmt.Errorf("kNN %s: %w", name, err)
	}
	idx := make([]int, test.n)
	for i := range idx {
		idx[i] = i
	}
	bar := progress.New(log, "kNN "+name+" (golearn)", int64(test.n), " queries")
	pred, err := golearnPredict(ctx, cls, classes, test, idx, bar)
	bar.Finish()
	if err != nil {
		return nil, fmt.Errorf("kNN %s: %w", name, err)
	}
	r, err := score(pred, testLabels, classes)
	if err != nil {
		return nil, err
	}
	r.Engine, r.Weights = "golearn", "uniform"
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// classAttribute is the categorical class with values "0" .. "k-1" in
// order, so that a label is its own system value.
func classAttribute(classes int) *base.CategoricalAttribute {
	class := base.NewCategoricalAttribute()
	class.SetName("class")
	for c := range classes {
		class.GetSysValFromString(strconv.Itoa(c))
	}
	return class
}

// instances packs rows (nil: none, labels only) and labels into golearn
// DenseInstances: one float attribute per column and the class in its own
// attribute group, the layout golearn's optimised euclidean path takes.
func instances(x *rows, labels []int, classes int) (*base.DenseInstances, error) {
	inst := base.NewDenseInstances()
	var specs []base.AttributeSpec
	if x != nil {
		specs = make([]base.AttributeSpec, x.d)
		for j := range specs {
			specs[j] = inst.AddAttribute(base.NewFloatAttribute("x" + strconv.Itoa(j)))
		}
	}
	class := classAttribute(classes)
	cspec := inst.AddAttribute(class)
	if err := inst.AddClassAttribute(class); err != nil {
		return nil, err
	}
	if err := inst.Extend(len(labels)); err != nil {
		return nil, err
	}
	buf := make([]byte, 8)
	for i, l := range labels {
		if x != nil {
			for j, v := range x.row(i) {
				base.PackFloatToBytesInline(float64(v), buf)
				inst.Set(specs[j], i, buf)
			}
		}
		if l < 0 || l >= classes {
			return nil, fmt.Errorf("label %d at row %d outside 0-%d", l, i, classes-1)
		}
		inst.Set(cspec, i, class.GetSysValFromString(strconv.Itoa(l)))
	}
	return inst, nil
}

// golearnClassifier fits golearn's KNNClassifier (euclidean, linear,
// uniform votes) on the training rows.
func golearnClassifier(train rows, labels []int, classes, k int) (*golearnknn.KNNClassifier, error) {
	inst, err := instances(&train, labels, classes)
	if err != nil {
		return nil, err
	}
	cls := golearnknn.NewKnnClassifier("euclidean", "linear", k)
	return cls, cls.Fit(inst)
}

// golearnPredict classifies the queries idx with cls, in chunks over all
// cores.
func golearnPredict(ctx context.Context, cls *golearnknn.KNNClassifier, classes int, test rows, idx []int, bar *progress.Bar) ([]int, error) {
	const chunk = 50
	preds := make([]int, len(idx))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for from := range next {
				to := min(from+chunk, len(idx))
				if err := predictChunk(cls, classes, test, idx[from:to], preds[from:to]); err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
				}
				bar.Add(int64(to - from))
			}
		}()
	}
	for from := 0; from < len(idx) && ctx.Err() == nil; from += chunk {
		next <- from
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return preds, firstErr
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func predictChunk(cls *golearnknn.KNNClassifier, classes int, test rows, idx []int, out []int) error {
	q := rows{data: make([]float32, 0, len(idx)*test.d), n: len(idx), d: test.d}
	for _, i := range idx {
		q.data = append(q.data, test.row(i)...)
	}
	inst, err := instances(&q, make([]int, len(idx)), classes) // the queries' labels are not read
	if err != nil {
		return err
	}
	if !base.CheckStrictlyCompatible(inst, cls.TrainingData) {
		return fmt.Errorf("query and training instances differ in layout: golearn would leave its optimised path")
	}
	pred, err := cls.Predict(inst)
	if err != nil {
		return err
	}
	for i := range out {
		c, err := strconv.Atoi(base.GetClass(pred, i))
		if err != nil {
			return fmt.Errorf("golearn predicted class %q", base.GetClass(pred, i))
		}
		out[i] = c
	}
	return nil
}

// golearnCheck classifies a sample of queries with golearn's
// KNNClassifier and sorts every disagreement with the exact engine's
// uniform vote at k: a tied vote (golearn breaks ties at random), a tie in
// distance at the k-th neighbour (golearn may keep the other), or an
// unexplained difference, which is an error.
func golearnCheck(ctx context.Context, name string, train rows, trainLabels []int, classes int, test rows, nb *knn.Neighbours, k int, sample []int, log io.Writer) (*results.GolearnCheck, error) {
	start := time.Now()
	cls, err := golearnClassifier(train, trainLabels, classes, k)
	if err != nil {
		return nil, fmt.Errorf("golearn cross-check of %s: %w", name, err)
	}
	bar := progress.New(log, "golearn check "+name, int64(len(sample)), " queries")
	theirs, err := golearnPredict(ctx, cls, classes, test, sample, bar)
	bar.Finish()
	if err != nil {
		return nil, fmt.Errorf("golearn cross-check of %s: %w", name, err)
	}
	c := &results.GolearnCheck{Queries: len(sample)}
	scores := make([]float64, classes)
	for s, q := range sample {
		idx, dist := nb.Of(q)
		ours, tied := knn.Vote(idx, dist, k, trainLabels, knn.Uniform, scores)
		switch {
		case theirs[s] == ours:
			c.Agree++
		case tied && scores[theirs[s]] == scores[ours]:
			c.TiedVote++
		case len(dist) > k && distanceTie(dist[k-1], dist[k]):
			c.TiedDistance++
		default:
			c.Unexplained++
			c.Problems = append(c.Problems, fmt.Sprintf("%s, test query %d: golearn says %d, the exact search %d; the vote did not tie and the %d-th and next neighbours are at %.9g and %.9g",
				name, q, theirs[s], ours, k, dist[k-1], dist[min(k, len(dist)-1)]))
		}
	}
	c.Seconds = time.Since(start).Seconds()
	return c, nil
}

// distanceTie says whether two squared distances are equal up to the
// rounding of a float64 sum of squares in another order (golearn's C loop
// is compiled with -ffast-math): a relative 1e-9.
func distanceTie(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(a, b, 1e-300) }

// score computes accuracy, the confusion matrix and per-class precision,
// recall and F1 with golearn's evaluation package.
func score(pred, truth []int, classes int) (*results.KNN, error) {
	ref, err := instances(nil, truth, classes)
	if err != nil {
		return nil, err
	}
	gen, err := instances(nil, pred, classes)
	if err != nil {
		return nil, err
	}
	cm, err := evaluation.GetConfusionMatrix(ref, gen)
	if err != nil {
		return nil, err
	}
	r := &results.KNN{Accuracy: evaluation.GetAccuracy(cm), Predictions: pred, Confusion: results.NewConfusion(classes),
		PerClass: make([]float64, classes), Precision: make([]float64, classes), F1: make([]float64, classes)}
	for t := range classes {
		tc := strconv.Itoa(t)
		for p := range classes {
			r.Confusion[t][p] = cm[tc][strconv.Itoa(p)]
		}
		r.PerClass[t] = orZero(evaluation.GetRecall(tc, cm))
		r.Precision[t] = orZero(evaluation.GetPrecision(tc, cm))
		r.F1[t] = orZero(evaluation.GetF1Score(tc, cm))
		r.MacroF1 += r.F1[t] / float64(classes)
	}
	return r, nil
}

// orZero maps golearn's 0/0 (a class never predicted, or absent) to 0, as
// scikit-learn's zero_division default does.
func orZero(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}
