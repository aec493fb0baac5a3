package pipeline

import (
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/numeric/stats"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// update rewrites golden files in testdata/ after a deliberate change;
// read every diff it makes before committing it:
//
//	go test ./internal/app/pipeline -run Golden -update                 every golden file
//	go test ./internal/app/pipeline -run Golden -update=significant     those whose name matches
//
// (as compare's -update: a boolean flag that also takes a regular
// expression for the golden files' names.)
var update testutil.UpdateFlag

func init() { flag.Var(&update, "update", testutil.UpdateUsage) }

// checkGolden compares got with testdata/name, rewriting the file first
// when -update matches its name.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	update.CheckGolden(t, "./internal/app/pipeline -run Golden", name, got)
}

// fixedRun is a finished run of a fixed sweep: its values and figures as
// written here (no training).
func fixedRun(name string, values []string, seed int64, figs map[string]float64, reused map[string]string) SweepRunRow {
	return SweepRunRow{Name: name, Values: values, Seed: seed, Status: StatusDone, Figures: figs, Reused: reused}
}

// significantSweep: model.code 8 and 16 over 3 seeds; the 16-value code's
// kNN accuracy is 2.1 to 2.4 points above the 8-value code's at every
// seed (a paired interval well clear of 0), its MSE lower at every seed;
// pixels are the same for both (differences all 0: not distinguishable);
// the frozen transfer accuracy changes sign between seeds.
func significantSweep() *SweepReport {
	axes := []SweepAxis{{Key: "model.code", Values: []string{"8", "16"}}}
	var rows []SweepRunRow
	ae := [][]float64{{0.801, 0.795, 0.806}, {0.824, 0.819, 0.827}}
	mse := [][]float64{{0.0210, 0.0215, 0.0207}, {0.0150, 0.0156, 0.0149}}
	frozen := [][]float64{{0.62, 0.64, 0.61}, {0.63, 0.62, 0.645}}
	pre := [][]float64{{40, 41, 39}, {55, 54, 56}}
	for v, code := range []string{"8", "16"} {
		for s := range 3 {
			seed := int64(s + 1)
			figs := map[string]float64{
				FigureTestMSE: mse[v][s], KNNFigure("pixels"): 0.855, KNNFigure("autoencoder"): ae[v][s],
				TransferFigure("frozen", 0, 10): frozen[v][s], SecondsFigure("pretrain"): pre[v][s], SecondsFigure("compare"): 5,
			}
			var reused map[string]string
			if v == 0 {
				figs[SecondsFigure("reduce")] = 2
			} else {
				figs[SecondsFigure("reduce")] = 2 // the time where it was computed
				reused = map[string]string{"reduce": fmt.Sprintf("model.code=8,seed=%d", seed)}
			}
			rows = append(rows, fixedRun(fmt.Sprintf("model.code=%s,seed=%d", code, seed), []string{code}, seed, figs, reused))
		}
	}
	for i := range rows {
		rows[i].Index = i
	}
	return newSweepReport("code-size", axes, 3, rows)
}

// notDistinguishableSweep: pretrain.epochs 5, 10 and 20 over 2 seeds; the
// best variant's lead changes sign between the seeds, and one run failed.
func notDistinguishableSweep() *SweepReport {
	axes := []SweepAxis{{Key: "pretrain.epochs", Values: []string{"5", "10", "20"}}}
	ae := [][]float64{{0.800, 0.810}, {0.815, 0.805}, {0.812, 0.818}}
	mse := [][]float64{{0.030, 0.031}, {0.024, 0.026}, {0.021, 0.027}}
	var rows []SweepRunRow
	for v, ep := range []string{"5", "10", "20"} {
		for s := range 2 {
			seed := int64(s + 1)
			name := fmt.Sprintf("pretrain.epochs=%s,seed=%d", ep, seed)
			if v == 0 && s == 1 {
				rows = append(rows, SweepRunRow{Name: name, Values: []string{ep}, Seed: seed, Status: StatusFailed, Error: "pretrain: the loss is NaN at step 12"})
				continue
			}
			rows = append(rows, fixedRun(name, []string{ep}, seed, map[string]float64{
				FigureTestMSE: mse[v][s], KNNFigure("autoencoder"): ae[v][s], SecondsFigure("pretrain"): 10 * float64(v+1),
			}, nil))
		}
	}
	for i := range rows {
		rows[i].Index = i
	}
	return newSweepReport("epochs", axes, 2, rows)
}

// oneSeedSweep: model.code 2, 8 and 16 with one seed, 20 test queries.
// The 16-value code gets every query right but 0 and 1; the 8-value code
// gets 0 and 1 right but misses 2 to 11: 10 queries against 2 that only
// one gets right, McNemar p = 2 (1+12+66)/2^12 = 0.0386 (binomial tail,
// by hand). Pixels predict the same in every run (p = 1). The frozen
// transfer accuracy per finetune seed differs by -0.01, +0.02 and -0.005
// between 16 and 8: an interval across 0.
func oneSeedSweep() *SweepReport {
	axes := []SweepAxis{{Key: "model.code", Values: []string{"2", "8", "16"}}}
	truth := make([]int, 20)
	for q := range truth {
		truth[q] = q % 3
	}
	wrong := map[string][]int{"2": {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, "8": {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "16": {0, 1}}
	frozen := map[string][]float64{"2": {0.50, 0.52, 0.51}, "8": {0.61, 0.60, 0.615}, "16": {0.60, 0.62, 0.61}}
	mse := map[string]float64{"2": 0.040, "8": 0.022, "16": 0.016}
	var rows []SweepRunRow
	for i, code := range []string{"2", "8", "16"} {
		pred := slices.Clone(truth)
		for _, q := range wrong[code] {
			pred[q] = (truth[q] + 1) % 3
		}
		seeds := map[int64]float64{}
		var mean float64
		for s, a := range frozen[code] {
			seeds[int64(s+1)] = a
			mean += a / 3
		}
		figs := map[string]float64{
			FigureTestMSE: mse[code], KNNFigure("pixels"): 0.85, KNNFigure("autoencoder"): stats.Accuracy(pred, truth),
			TransferFigure("frozen", 0, 10): mean, SecondsFigure("pretrain"): 30,
		}
		row := fixedRun("model.code="+code+",seed=1", []string{code}, 1, figs, nil)
		row.Index = i
		px := slices.Clone(truth)
		px[0], px[5], px[7] = 2, 0, 0
		row.paired = pairing{truth: truth,
			predict: map[string][]int{KNNFigure("autoencoder"): pred, KNNFigure("pixels"): px},
			seeds:   map[string]map[int64]float64{TransferFigure("frozen", 0, 10): seeds}}
		rows = append(rows, row)
	}
	return newSweepReport("code-size-one-seed", axes, 1, rows)
}

// TestSweepReportGolden: sweep.md from fixed runs, for a best variant
// that is distinguishable from the runner-up and one that is not; the
// verdicts are checked apart from the golden text too (from the paired
// differences given above: 16 beats 8 by 2.1 to 2.4 points on every
// seed; 20 epochs leads 10 by -0.3 and +1.3 points).
func TestSweepReportGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rep     *SweepReport
		figure  string
		best    string
		verdict string
	}{
		{"sweep_significant.golden.md", significantSweep(), KNNFigure("autoencoder"), "model.code=16", VerdictDistinguishable},
		{"sweep_not-distinguishable.golden.md", notDistinguishableSweep(), KNNFigure("autoencoder"), "pretrain.epochs=20", VerdictNotDistinguishable},
		{"sweep_one-seed.golden.md", oneSeedSweep(), KNNFigure("autoencoder"), "model.code=16", VerdictDistinguishable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found := false
			for _, b := range tc.rep.Best {
				if b.Figure == tc.figure {
					found = true
					if b.Variant != tc.best || b.Verdict != tc.verdict {
						t.Errorf("best %s: %+v, want %s, %s", tc.figure, b, tc.best, tc.verdict)
					}
				}
			}
			if !found {
				t.Errorf("no best variant for %s: %+v", tc.figure, tc.rep.Best)
			}
			checkGolden(t, tc.name, tc.rep.Markdown())
		})
	}
	// Pixels are the same in every variant: there is no best.
	for _, b := range append(significantSweep().Best, oneSeedSweep().Best...) {
		if b.Figure == KNNFigure("pixels") && (b.Verdict != VerdictSame || b.Variant != "") {
			t.Errorf("pixels, the same in every run: %+v", b)
		}
	}
	// One seed: McNemar's p on the kNN figure, the finetune seeds on the
	// transfer figure, and nothing to pair the MSE on.
	one := oneSeedSweep()
	want := map[string]string{
		KNNFigure("autoencoder"):        "10 against 2 classified right by only one, p 0.0386",
		TransferFigure("frozen", 0, 10): "not distinguishable (difference +0.17 points, 95% interval",
		FigureTestMSE:                   "too few to test",
	}
	for f, phrase := range want {
		found := false
		for _, c := range one.Conclusions {
			if strings.HasPrefix(c, f+":") {
				found = true
				if !strings.Contains(c, phrase) {
					t.Errorf("%s: %q lacks %q", f, c, phrase)
				}
			}
		}
		if !found {
			t.Errorf("no conclusion for %s: %q", f, one.Conclusions)
		}
	}
}

// TestSweepHTML writes sweep.html for the fixed sweeps: one plot per
// swept key and kind of figure (MSE, kNN, transfer), each a PNG beside
// the page and embedded in it, every one decoded by headless Chromium;
// the summary names the best variants.
func TestSweepHTML(t *testing.T) {
	for _, tc := range []struct {
		rep   *SweepReport
		plots []string
	}{
		{significantSweep(), []string{"sweep_model.code_mse.png", "sweep_model.code_knn.png", "sweep_model.code_transfer.png"}},
		{notDistinguishableSweep(), []string{"sweep_pretrain.epochs_mse.png", "sweep_pretrain.epochs_knn.png"}},
	} {
		dir := t.TempDir()
		if err := tc.rep.Write(dir); err != nil {
			t.Fatal(err)
		}
		page, err := os.ReadFile(filepath.Join(dir, SweepHTML))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tc.plots {
			f, err := os.Open(filepath.Join(dir, p))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if b := img.Bounds(); b.Dx() != 7*96 || b.Dy() != 4*96 {
				t.Errorf("%s is %dx%d, want 672x384", p, b.Dx(), b.Dy())
			}
			if !strings.Contains(string(page), `href="`+p+`"`) {
				t.Errorf("sweep.html does not link %s", p)
			}
		}
		imgs := strings.Count(string(page), "<img ")
		if imgs != len(tc.plots) {
			t.Errorf("sweep.html has %d images, want %d", imgs, len(tc.plots))
		}
		for _, b := range tc.rep.Best {
			if !strings.HasPrefix(b.Figure, "seconds:") && !strings.Contains(string(page), "best "+b.Figure) {
				t.Errorf("the summary lacks the best variant of %s", b.Figure)
			}
		}
		if loaded := testutil.BrowserImages(t, filepath.Join(dir, SweepHTML)); loaded != fmt.Sprintf("%d/%d", imgs, imgs) {
			t.Errorf("Chromium decoded %q images, want all %d", loaded, imgs)
		}
	}
}

// TestScaleOf: numbers are placed at their values, on a log axis when
// they span a factor of 10 (code sizes 2 to 64, 1,000 to 50,000 images);
// anything else one after another.
func TestScaleOf(t *testing.T) {
	for _, tc := range []struct {
		values       []string
		numeric, log bool
		at           []float64
	}{
		{[]string{"2", "8", "16", "32", "64"}, true, true, []float64{2, 8, 16, 32, 64}},
		{[]string{"5", "10", "20", "40"}, true, false, []float64{5, 10, 20, 40}},
		{[]string{"1000", "50000"}, true, true, []float64{1000, 50000}},
		{[]string{"0", "10"}, true, false, []float64{0, 10}},
		{[]string{"16"}, false, false, []float64{0}},
		{[]string{"conv", "vae"}, false, false, []float64{0, 1}},
		{[]string{"16+32", "32+64"}, false, false, []float64{0, 1}},
	} {
		s := scaleOf(tc.values)
		if s.numeric != tc.numeric || s.log != tc.log || fmt.Sprint(s.at) != fmt.Sprint(tc.at) {
			t.Errorf("scaleOf(%v) = %+v, want numeric %v log %v at %v", tc.values, s, tc.numeric, tc.log, tc.at)
		}
	}
}
