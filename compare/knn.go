package compare

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/knn"
	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/internal/progress"
	"github.com/hourglass-ml/hourglass/results"
)

// KNNPath names the golearn code path hourglass uses: dense float instances
// with the class in its own attribute group, which golearn's linear
// euclidean search sends to its optimised C distance loop (cgo).
const KNNPath = "golearn KNNClassifier, linear search, optimised euclidean (cgo) on DenseInstances"

// TieNote explains the one way golearn's kNN differs from scikit-learn's.
const TieNote = "golearn breaks a tied vote at random (Go map order), where scikit-learn takes the smallest label: " +
	"on raw pixels 309 of the 10,000 test queries tie, which moves accuracy by up to about 0.2 points between runs and against scikit-learn."

// instances packs rows and labels into golearn DenseInstances: one float
// attribute per column and a categorical class whose values are "0".."9"
// in order, so every set built here has the same layout.
func instances(x *mat.Dense, labels []int) (*base.DenseInstances, error) {
	n, d := x.Dims()
	if len(labels) != n {
		return nil, fmt.Errorf("kNN: %d rows but %d labels", n, len(labels))
	}
	inst := base.NewDenseInstances()
	specs := make([]base.AttributeSpec, d)
	for j := range specs {
		specs[j] = inst.AddAttribute(base.NewFloatAttribute("x" + strconv.Itoa(j)))
	}
	class := base.NewCategoricalAttribute()
	class.SetName("class")
	for c := 0; c < data.Classes; c++ {
		class.GetSysValFromString(strconv.Itoa(c))
	}
	cspec := inst.AddAttribute(class)
	if err := inst.AddClassAttribute(class); err != nil {
		return nil, err
	}
	if err := inst.Extend(n); err != nil {
		return nil, err
	}
	buf := make([]byte, 8)
	for i := 0; i < n; i++ {
		for j, v := range x.RawRowView(i) {
			base.PackFloatToBytesInline(v, buf)
			inst.Set(specs[j], i, buf)
		}
		if labels[i] < 0 || labels[i] >= data.Classes {
			return nil, fmt.Errorf("kNN: label %d at row %d outside 0-9", labels[i], i)
		}
		inst.Set(cspec, i, class.GetSysValFromString(strconv.Itoa(labels[i])))
	}
	return inst, nil
}

// KNN classifies every query row by its k nearest training rows with
// golearn, splitting the queries in chunks over all cores, and scores the
// predictions against the query labels.
func KNN(name string, train *mat.Dense, trainLabels []int, test *mat.Dense, testLabels []int, k int, log io.Writer) (*results.KNN, error) {
	start := time.Now()
	if log == nil {
		log = io.Discard
	}
	nTrain, d := train.Dims()
	nTest, d2 := test.Dims()
	if d != d2 {
		return nil, fmt.Errorf("kNN %s: training rows have %d values, queries %d", name, d, d2)
	}
	if k < 1 || k > nTrain {
		return nil, fmt.Errorf("kNN %s: k = %d with %d neighbours", name, k, nTrain)
	}
	trainInst, err := instances(train, trainLabels)
	if err != nil {
		return nil, err
	}
	cls := knn.NewKnnClassifier("euclidean", "linear", k)
	if err := cls.Fit(trainInst); err != nil {
		return nil, err
	}
	const chunk = 50
	preds := make([]int, nTest)
	bar := progress.New(log, "kNN "+name, int64(nTest), " queries")
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
				to := min(from+chunk, nTest)
				err := predictChunk(cls, test.Slice(from, to, 0, d).(*mat.Dense), testLabels[from:to], preds[from:to])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
				bar.Add(int64(to - from))
			}
		}()
	}
	for from := 0; from < nTest; from += chunk {
		next <- from
	}
	close(next)
	wg.Wait()
	bar.Finish()
	if firstErr != nil {
		return nil, fmt.Errorf("kNN %s: %w", name, firstErr)
	}
	r := score(preds, testLabels)
	r.Representation, r.Dim, r.K, r.Queries, r.Neighbours = name, d, k, nTest, nTrain
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

func predictChunk(cls *knn.KNNClassifier, x *mat.Dense, labels []int, out []int) error {
	q, err := instances(mat.DenseCopyOf(x), labels)
	if err != nil {
		return err
	}
	if !base.CheckStrictlyCompatible(q, cls.TrainingData) {
		return fmt.Errorf("query and training instances differ in layout: golearn would leave its optimised path")
	}
	pred, err := cls.Predict(q)
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

// score computes accuracy, per-class accuracy and the confusion matrix.
func score(pred, truth []int) *results.KNN {
	r := &results.KNN{}
	var perClass [data.Classes]int
	correct := 0
	for i, p := range pred {
		r.Confusion[truth[i]][p]++
		perClass[truth[i]]++
		if p == truth[i] {
			correct++
		}
	}
	r.Accuracy = float64(correct) / float64(max(len(pred), 1))
	for c := range r.PerClass {
		if perClass[c] > 0 {
			r.PerClass[c] = float64(r.Confusion[c][c]) / float64(perClass[c])
		}
	}
	return r
}
