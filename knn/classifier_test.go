package knn

import (
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/evaluation"
	golearnknn "github.com/sjwhitworth/golearn/knn"
)

// grid builds golearn DenseInstances: d float attributes named a0.. and a
// categorical class with values "c0".."c<classes-1>".
func grid(t *testing.T, x [][]float64, labels []int, classes int, names ...string) *base.DenseInstances {
	t.Helper()
	inst := base.NewDenseInstances()
	d := len(x[0])
	specs := make([]base.AttributeSpec, d)
	for j := range specs {
		name := "a" + strconv.Itoa(j)
		if j < len(names) {
			name = names[j]
		}
		specs[j] = inst.AddAttribute(base.NewFloatAttribute(name))
	}
	class := base.NewCategoricalAttribute()
	class.SetName("class")
	for c := range classes {
		class.GetSysValFromString("c" + strconv.Itoa(c))
	}
	cs := inst.AddAttribute(class)
	if err := inst.AddClassAttribute(class); err != nil {
		t.Fatal(err)
	}
	if err := inst.Extend(len(x)); err != nil {
		t.Fatal(err)
	}
	for i, row := range x {
		for j, v := range row {
			inst.Set(specs[j], i, base.PackFloatToBytes(v))
		}
		inst.Set(cs, i, class.GetSysValFromString("c"+strconv.Itoa(labels[i])))
	}
	return inst
}

// blobs draws n points of d dimensions around one centre per class.
func blobs(r *rand.Rand, n, d, classes int, spread float64) ([][]float64, []int) {
	centres := make([][]float64, classes)
	for c := range centres {
		centres[c] = make([]float64, d)
		for j := range centres[c] {
			centres[c][j] = r.NormFloat64() * 3
		}
	}
	x, y := make([][]float64, n), make([]int, n)
	for i := range x {
		y[i] = r.IntN(classes)
		x[i] = make([]float64, d)
		for j := range x[i] {
			x[i][j] = centres[y[i]][j] + spread*r.NormFloat64()
		}
	}
	return x, y
}

// TestClassifierMatchesGolearnKNN: on small overlapping blobs, the
// predictions equal golearn's own KNNClassifier's wherever golearn's vote
// is not tied (ties it breaks at random). The tie test recomputes the
// neighbours independently with the float64 reference.
func TestClassifierMatchesGolearnKNN(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const k = 7
	x, y := blobs(r, 400, 6, 4, 2.5)
	train, test := grid(t, x[:300], y[:300], 4), grid(t, x[300:], y[300:], 4)
	ours := NewClassifier(k, Uniform)
	if err := ours.Fit(train); err != nil {
		t.Fatal(err)
	}
	theirs := golearnknn.NewKnnClassifier("euclidean", "linear", k)
	if err := theirs.Fit(train); err != nil {
		t.Fatal(err)
	}
	po, err := ours.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := theirs.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	flat := func(rows [][]float64) []float32 {
		var out []float32
		for _, r := range rows {
			for _, v := range r {
				out = append(out, float32(v))
			}
		}
		return out
	}
	idx, dist := reference(flat(x[:300]), flat(x[300:]), 300, 100, 6, k+1)
	scores := make([]float64, 4)
	same, tied := 0, 0
	for q := range 100 {
		a, b := base.GetClass(po, q), base.GetClass(pt, q)
		_, isTied := Vote(idx[q*(k+1):], dist[q*(k+1):], k, y[:300], Uniform, scores)
		switch {
		case a == b:
			same++
		case isTied || dist[q*(k+1)+k-1] == dist[q*(k+1)+k]:
			tied++
		default:
			t.Errorf("query %d: hourglass says %s, golearn %s, and the vote did not tie", q, a, b)
		}
	}
	t.Logf("%d equal, %d differ at ties", same, tied)
	if same < 90 {
		t.Errorf("only %d of 100 predictions equal", same)
	}
}

// TestClassifierWithGolearnEvaluation: golearn's confusion matrix,
// metrics and cross-fold validation run on the classifier; well-separated
// blobs are classified perfectly.
func TestClassifierWithGolearnEvaluation(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x, y := blobs(r, 200, 3, 3, 0.1)
	g := grid(t, x, y, 3)
	cls := NewClassifier(3, Distance)
	cms, err := evaluation.GenerateCrossFoldValidationConfusionMatrices(g, cls, 4)
	if err != nil {
		t.Fatal(err)
	}
	mean, _ := evaluation.GetCrossValidatedMetric(cms, evaluation.GetAccuracy)
	if len(cms) != 4 || mean != 1 {
		t.Errorf("cross-validated accuracy %v over %d folds, want 1 over 4", mean, len(cms))
	}
	if err := cls.Fit(g); err != nil {
		t.Fatal(err)
	}
	pred, err := cls.Predict(g)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := evaluation.GetConfusionMatrix(g, pred)
	if err != nil {
		t.Fatal(err)
	}
	if evaluation.GetF1Score("c1", cm) != 1 || !strings.Contains(cls.String(), "k = 3") {
		t.Errorf("F1 %v, %s", evaluation.GetF1Score("c1", cm), cls)
	}
}

// TestClassifierSaveLoad: a saved classifier loads and predicts alike.
func TestClassifierSaveLoad(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x, y := blobs(r, 120, 4, 3, 1.5)
	train, test := grid(t, x[:100], y[:100], 3), grid(t, x[100:], y[100:], 3)
	a := NewClassifier(5, Uniform)
	if err := a.Fit(train); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "knn.cls")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	b := &Classifier{}
	if err := b.Load(path); err != nil {
		t.Fatal(err)
	}
	pa, err := a.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if base.GetClass(pa, i) != base.GetClass(pb, i) {
			t.Fatalf("row %d: %s before saving, %s after loading", i, base.GetClass(pa, i), base.GetClass(pb, i))
		}
	}
	if b.K != 5 || b.Weights != Uniform {
		t.Errorf("loaded k %d weights %s", b.K, b.Weights)
	}
}

// TestClassifierErrors: bad settings and mismatched data are errors, not
// panics.
func TestClassifierErrors(t *testing.T) {
	x := [][]float64{{0, 1}, {1, 0}, {2, 2}}
	y := []int{0, 1, 0}
	train := grid(t, x, y, 2)
	if err := NewClassifier(0, Uniform).Fit(train); err == nil || !strings.Contains(err.Error(), "k = 0") {
		t.Errorf("k = 0: %v", err)
	}
	if err := NewClassifier(4, Uniform).Fit(train); err == nil || !strings.Contains(err.Error(), "fewer than k") {
		t.Errorf("k = 4 of 3 rows: %v", err)
	}
	if err := NewClassifier(1, "majority").Fit(train); err == nil || !strings.Contains(err.Error(), "majority") {
		t.Errorf("unknown weights: %v", err)
	}
	if _, err := NewClassifier(1, Uniform).Predict(train); err == nil {
		t.Error("Predict before Fit: no error")
	}
	cls := NewClassifier(1, Uniform)
	if err := cls.Fit(train); err != nil {
		t.Fatal(err)
	}
	other := grid(t, [][]float64{{0, 1}}, []int{0}, 2, "a0", "b1")
	if _, err := cls.Predict(other); err == nil || !strings.Contains(err.Error(), `"b1"`) {
		t.Errorf("mismatched attribute names: %v", err)
	}
	wider := grid(t, [][]float64{{0, 1, 2}}, []int{0}, 2)
	if _, err := cls.Predict(wider); err == nil || !strings.Contains(err.Error(), "3 float attributes") {
		t.Errorf("three attributes for a two-attribute model: %v", err)
	}
	empty := base.NewDenseInstances()
	c := base.NewCategoricalAttribute()
	c.SetName("class")
	empty.AddAttribute(base.NewFloatAttribute("a0"))
	empty.AddAttribute(c)
	if err := empty.AddClassAttribute(c); err != nil {
		t.Fatal(err)
	}
	if err := NewClassifier(1, Uniform).Fit(empty); err == nil {
		t.Error("empty training data: no error")
	}
	noClass := base.NewDenseInstances()
	noClass.AddAttribute(base.NewFloatAttribute("a0"))
	if err := NewClassifier(1, Uniform).Fit(noClass); err == nil || !strings.Contains(err.Error(), "class") {
		t.Errorf("no class attribute: %v", err)
	}
}
