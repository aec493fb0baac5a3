package finetune

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// smallJob is a 5-per-class draw of real images with a briefly trained
// encoder, its pieces as Run builds them.
func smallJob(t *testing.T, m config.Method) (*job, *encoder.Encoder, feats, []int, backends.Backend, config.Finetune) {
	cfg, splits := testutil.PretrainedExperiment(t, 300, 1, 200)
	enc, err := encoder.Load(cfg.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := splits.Train.PerClassIndices(5, 7, splits.Classes)
	if err != nil {
		t.Fatal(err)
	}
	tr, held := splitHeldOut(idx, splits.Train.Labels, 10, 0.2)
	images := imageFeats(splits.Train)
	j := &job{method: m, n: 5, seed: 7, classes: 10, trainIdx: tr, heldIdx: held, train: images.subset(tr), heldOut: images.subset(held),
		labels: subsetLabels(splits.Train.Labels, tr), heldLabs: subsetLabels(splits.Train.Labels, held)}
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	f := cfg.Finetune
	f.Epochs, f.Patience, f.Head = 6, 0, []int{16}
	return j, enc, imageFeats(splits.Test), splits.Test.Labels, be, f
}

// TestFrozenOnCodesEqualsImages: a frozen classifier trained on cached
// codes (the head alone) ends where the same classifier trained on images
// through the frozen encoder does: the same epochs and best epoch, the
// same test predictions, head weights within 1e-5 (the codes are the same
// function computed in another graph).
func TestFrozenOnCodesEqualsImages(t *testing.T) {
	j, enc, test, testLabels, be, cfg := smallJob(t, config.Frozen)
	viaImages, ti, err := runJob(context.Background(), be, cfg, j, enc, test, testLabels, &bytes.Buffer{}, false)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := encodeAll(enc, be, feats{append(append([]float32(nil), j.train.data...), j.heldOut.data...), data.Pixels, data.Grey28})
	if err != nil {
		t.Fatal(err)
	}
	testCodes, err := encodeAll(enc, be, test)
	if err != nil {
		t.Fatal(err)
	}
	cj := *j
	cj.train, cj.heldOut = codes.subset(seq(0, j.train.len())), codes.subset(seq(j.train.len(), codes.len()))
	viaCodes, tc, err := runJob(context.Background(), be, cfg, &cj, enc, testCodes, testLabels, &bytes.Buffer{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if viaImages.TestAccuracy != viaCodes.TestAccuracy || viaImages.Epochs != viaCodes.Epochs || viaImages.BestEpoch != viaCodes.BestEpoch ||
		!reflect.DeepEqual(viaImages.Confusion, viaCodes.Confusion) {
		t.Errorf("images: %+v\ncodes:  %+v", viaImages, viaCodes)
	}
	for _, name := range []string{"weights", "biases"} {
		a, b := ti.weight("/head/dense0", name), tc.weight("/head/dense0", name)
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("head %s: %d and %d values", name, len(a), len(b))
		}
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-5 {
				t.Fatalf("head %s[%d]: %v via images, %v via codes", name, i, a[i], b[i])
			}
		}
	}
}

// TestHeadStartsAlikeForEveryMethod: the head's initial weights are the
// same for frozen, scratch and unfrozen (a scratch encoder draws its own
// weights first from the context's generator), and differ for another seed.
func TestHeadStartsAlikeForEveryMethod(t *testing.T) {
	j, enc, _, _, be, cfg := smallJob(t, config.Frozen)
	initial := func(m config.Method, seed int64) []float32 {
		jj := *j
		jj.method, jj.seed = m, seed
		tr, err := newTrainer(be, cfg, &jj, enc, seed)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.predict.Exec(jj.train.slice(0, 1)); err != nil { // builds and initialises the variables
			t.Fatal(err)
		}
		return tr.weight("/head/dense0", "weights")
	}
	frozen := initial(config.Frozen, 7)
	for _, m := range []config.Method{config.Scratch, config.Unfrozen} {
		if got := initial(m, 7); !reflect.DeepEqual(got, frozen) {
			t.Errorf("%s's head starts from other weights than frozen's", m)
		}
	}
	if reflect.DeepEqual(initial(config.Frozen, 8), frozen) {
		t.Error("seeds 7 and 8 give the same head")
	}
	// PyTorch's nn.Linear bound: 1/sqrt(576).
	bound := float32(1 / math.Sqrt(576))
	for _, v := range frozen {
		if v < -bound || v > bound {
			t.Fatalf("initial weight %v outside ±%v", v, bound)
		}
	}
}

// TestDeadScratchEncoderIsRedrawn: when the first draw of a from-scratch
// encoder gives all-zero codes, it is drawn again with another seed and
// the log says so.
func TestDeadScratchEncoderIsRedrawn(t *testing.T) {
	j, enc, _, _, be, cfg := smallJob(t, config.Scratch)
	saved := liveCodes
	defer func() { liveCodes = saved }()
	calls := 0
	liveCodes = func(tr *trainer, be backends.Backend, images *tensors.Tensor) (bool, error) {
		calls++
		if calls == 1 {
			return false, nil // the first draw is "dead"
		}
		return saved(tr, be, images)
	}
	var log bytes.Buffer
	tr, err := liveTrainer(be, cfg, j, enc, &log)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || !strings.Contains(log.String(), "all-zero codes; drew it again with seed") {
		t.Errorf("%d draws; log %q", calls, log.String())
	}
	first, err := newTrainer(be, cfg, j, enc, j.seed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := saved(first, be, j.train.slice(0, 1)); err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(first.weight("/encoder/conv1", "weights"), tr.weight("/encoder/conv1", "weights")) {
		t.Error("the redrawn encoder has the first draw's weights")
	}
}
