package compare

import (
	"bytes"
	"io"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestKNNHandMade: three clusters on a line; each query's 3 nearest
// neighbours, worked out by hand, decide its class.
func TestKNNHandMade(t *testing.T) {
	train := mat.NewDense(9, 2, []float64{
		0, 0, 0.1, 0, 0, 0.2, // class 0 near the origin
		5, 5, 5.1, 5, 5, 5.2, // class 1 near (5, 5)
		9, 0, 9.2, 0, 9, 0.1, // class 2 near (9, 0)
	})
	labels := []int{0, 0, 0, 1, 1, 1, 2, 2, 2}
	test := mat.NewDense(4, 2, []float64{
		0.5, 0.5, // three nearest: the class-0 points -> 0
		4, 4, // -> 1
		8, 1, // -> 2
		6, 3, // nearest (5,5) 2.24, (5.1,5) 2.19, (5,5.2) 2.41; (9,0) 4.24: -> 1
	})
	truth := []int{0, 1, 2, 2} // the last one is "really" 2, so kNN errs on it
	var log bytes.Buffer
	r, err := KNN("toy", train, labels, test, truth, 3, &log)
	if err != nil {
		t.Fatal(err)
	}
	if r.Accuracy != 0.75 {
		t.Errorf("accuracy %v, want 0.75", r.Accuracy)
	}
	if r.Confusion[2][1] != 1 || r.Confusion[2][2] != 1 || r.Confusion[0][0] != 1 {
		t.Errorf("confusion %v", r.Confusion)
	}
	if r.PerClass[2] != 0.5 || r.PerClass[1] != 1 {
		t.Errorf("per class %v", r.PerClass)
	}
	if r.Dim != 2 || r.Queries != 4 || r.Neighbours != 9 || r.K != 3 {
		t.Errorf("result fields %+v", r)
	}
}

// TestKNNPrintsNothing checks golearn's own progress printing (which only
// its slow path does) does not reach stdout.
func TestKNNPrintsNothing(t *testing.T) {
	old := os.Stdout
	rd, wr, _ := os.Pipe()
	os.Stdout = wr
	train := mat.NewDense(4, 1, []float64{0, 1, 10, 11})
	_, err := KNN("quiet", train, []int{0, 0, 1, 1}, mat.NewDense(2, 1, []float64{0.4, 10.6}), []int{0, 1}, 1, nil)
	wr.Close()
	os.Stdout = old
	out, _ := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 0 {
		t.Errorf("kNN printed to stdout: %q", out)
	}
}

func TestKNNErrors(t *testing.T) {
	a := mat.NewDense(2, 2, nil)
	if _, err := KNN("x", a, []int{0}, a, []int{0, 0}, 1, nil); err == nil {
		t.Error("labels of the wrong length: no error")
	}
	if _, err := KNN("x", a, []int{0, 1}, mat.NewDense(1, 3, nil), []int{0}, 1, nil); err == nil {
		t.Error("queries of another width: no error")
	}
	if _, err := KNN("x", a, []int{0, 1}, a, []int{0, 1}, 5, nil); err == nil {
		t.Error("k larger than the training set: no error")
	}
}
