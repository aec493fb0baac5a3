package compare

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// toy is three clusters on a line, and four queries whose 3 nearest
// neighbours, worked out by hand, decide their class.
func toy() (train rows, labels []int, test rows, truth []int) {
	train = rows{[]float32{
		0, 0, 0.1, 0, 0, 0.2, // class 0 near the origin
		5, 5, 5.1, 5, 5, 5.2, // class 1 near (5, 5)
		9, 0, 9.2, 0, 9, 0.1, // class 2 near (9, 0)
	}, 9, 2}
	labels = []int{0, 0, 0, 1, 1, 1, 2, 2, 2}
	test = rows{[]float32{
		0.5, 0.5, // three nearest: the class-0 points -> 0
		4, 4, // -> 1
		8, 1, // -> 2
		6, 3, // nearest (5,5) 2.24, (5.1,5) 2.19, (5,5.2) 2.41; (9,0) 4.24: -> 1
	}, 4, 2}
	truth = []int{0, 1, 2, 2} // the last one is "really" 2, so kNN errs on it
	return
}

func toyConfig() config.Compare {
	c := config.Default().Compare
	c.K, c.KCurve, c.GolearnCheck = 3, []int{1, 3}, 4
	return c
}

// TestKNNHandMade: both engines on the toy, scored by golearn's evaluation.
func TestKNNHandMade(t *testing.T) {
	train, labels, test, truth := toy()
	cfg := toyConfig()
	ex, nb, err := exactKNN(context.Background(), "toy", train, labels, test, truth, 10, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	gl, err := golearnKNN(context.Background(), "toy", train, labels, test, truth, 10, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name string
		acc  float64
		cm   [3][3]int
	}{{"exact", ex.Accuracy, [3][3]int{{ex.Confusion[0][0]}, {0, ex.Confusion[1][1]}, {0, ex.Confusion[2][1], ex.Confusion[2][2]}}},
		{"golearn", gl.Accuracy, [3][3]int{{gl.Confusion[0][0]}, {0, gl.Confusion[1][1]}, {0, gl.Confusion[2][1], gl.Confusion[2][2]}}}} {
		if r.acc != 0.75 || r.cm != [3][3]int{{1}, {0, 1}, {0, 1, 1}} {
			t.Errorf("%s: accuracy %v, confusion %v; want 0.75 and one class-2 query taken for 1", r.name, r.acc, r.cm)
		}
	}
	// Class 2: recall 1/2; class 1: precision 1/2 (one of its two
	// predictions is wrong), F1 2/3; class 0 perfect.
	if ex.PerClass[2] != 0.5 || ex.Precision[1] != 0.5 || ex.F1[0] != 1 || ex.F1[1] < 0.666 || ex.F1[1] > 0.667 {
		t.Errorf("per class: recall %v precision %v F1 %v", ex.PerClass[:3], ex.Precision[:3], ex.F1[:3])
	}
	// k = 1: the nearest of (6, 3) is (5.1, 5) -> 1; the curve says 3 of 4.
	if len(ex.Curve) != 2 || ex.Curve[0].K != 1 || ex.Curve[0].Accuracy != 0.75 {
		t.Errorf("curve %+v", ex.Curve)
	}
	check, err := golearnCheck(context.Background(), "toy", train, labels, 10, test, nb, cfg.K, []int{0, 1, 2, 3}, nil)
	if err != nil || check.Agree != 4 || check.Unexplained != 0 {
		t.Errorf("golearn check on the toy: %+v %v", check, err)
	}
}

// TestExactAgreesWithGolearnOnRealData: on 300 real test images against
// 2,000 training images (pixels), golearn's own KNNClassifier classifies
// every query as the exact engine does, except where its vote tied (which
// it breaks at random) or two neighbours tie in distance at the k-th.
func TestExactAgreesWithGolearnOnRealData(t *testing.T) {
	s := testutil.TinySplits(t, 2000, 1, 300)
	train, test := rows{s.Train.Images, 2000, 784}, rows{s.Test.Images, 300, 784}
	cfg := config.Default().Compare
	_, nb, err := exactKNN(context.Background(), "pixels", train, s.Train.Labels, test, s.Test.Labels, 10, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := make([]int, 300)
	for i := range all {
		all[i] = i
	}
	c, err := golearnCheck(context.Background(), "pixels", train, s.Train.Labels, 10, test, nb, cfg.K, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("golearn check: %+v", c)
	if c.Unexplained != 0 || c.Agree+c.TiedVote+c.TiedDistance != 300 || c.Agree < 280 {
		t.Errorf("golearn check %+v: want every difference explained by a tie, and most queries equal", c)
	}
}

// TestGolearnCheckCatchesAWrongEngine: predictions that differ without a
// tie are reported as unexplained (a broken engine would be caught).
func TestGolearnCheckCatchesAWrongEngine(t *testing.T) {
	train, labels, test, truth := toy()
	_, nb, err := exactKNN(context.Background(), "toy", train, labels, test, truth, 10, toyConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Swap query 0's neighbours for query 2's: the "exact" answer for 0 is now 2.
	copy(nb.Index[0:nb.K], nb.Index[2*nb.K:3*nb.K])
	c, err := golearnCheck(context.Background(), "toy", train, labels, 10, test, nb, 3, []int{0, 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Unexplained != 1 || c.Agree != 1 || len(c.Problems) != 1 {
		t.Errorf("check %+v: want query 0 unexplained", c)
	}
}

// TestKNNPrintsNothing checks golearn's own progress printing (which only
// its slow path does) does not reach stdout.
func TestKNNPrintsNothing(t *testing.T) {
	old := os.Stdout
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout = wr
	train, labels, test, truth := toy()
	_, err = golearnKNN(context.Background(), "quiet", train, labels, test, truth, 10, toyConfig(), nil)
	wr.Close()
	os.Stdout = old
	out, rerr := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(out) != 0 {
		t.Errorf("kNN printed to stdout: %q", out)
	}
}

func TestKNNErrors(t *testing.T) {
	train, labels, test, truth := toy()
	cfg := toyConfig()
	cfg.K = 10
	var log bytes.Buffer
	if _, _, err := exactKNN(context.Background(), "x", train, labels, test, truth, 10, cfg, &log); err == nil {
		t.Error("k larger than the training set: no error")
	}
	if _, err := golearnKNN(context.Background(), "x", train, labels, test, truth, 10, cfg, &log); err == nil {
		t.Error("golearn, k larger than the training set: no error")
	}
	cfg.K = 3
	if _, _, err := exactKNN(context.Background(), "x", train, labels, rows{make([]float32, 3), 1, 3}, []int{0}, 10, cfg, &log); err == nil {
		t.Error("queries of another width: no error")
	}
}
