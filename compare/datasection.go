package compare

import (
	"fmt"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// dataSection says where the data came from, how it was converted, how
// many images of each class every split holds, and how many labelled and
// unlabelled images each stage used.
func dataSection(r *results.Comparison) section {
	d := r.Data
	images := d.Conversion
	if d.Shape != "" {
		images = fmt.Sprintf("read as %s, the model's input; %s", d.Shape, d.Conversion)
	}
	b := []block{para(fmt.Sprintf("Source: %s in %s, %d classes. Images: %s.", d.Source, d.Dir, len(d.Classes), images))}
	if d.TestDrawn {
		frac := 0.0
		if r.Config != nil {
			frac = r.Config.Data.TestFraction
		}
		b = append(b, para(fmt.Sprintf("The source has no test split: %.0f%% of each class's images were held out for testing (data.test_fraction, seeded).", 100*frac)))
	}
	t := table{head: []string{"class", "training", "validation", "test"}}
	var sums [3]int
	for c, name := range d.Classes {
		row := []string{name}
		for i, counts := range [][]int{d.Train, d.Validation, d.Test} {
			n := 0
			if c < len(counts) {
				n = counts[c]
			}
			sums[i] += n
			row = append(row, fmt.Sprint(n))
		}
		t.rows = append(t.rows, row)
	}
	t.rows = append(t.rows, []string{"all", fmt.Sprint(sums[0]), fmt.Sprint(sums[1]), fmt.Sprint(sums[2])})
	b = append(b, t)
	b = append(b, para("What each stage used (no stage but pretraining sees the unlabelled pool, and pretraining never sees a label):"), usageTable(r))
	return section{"Data", b}
}

// usageTable counts the labelled and unlabelled images each stage used.
func usageTable(r *results.Comparison) table {
	t := table{head: []string{"stage", "labelled images", "unlabelled images", "what for"}}
	if p := r.Pretrain; p != nil {
		t.rows = append(t.rows, []string{"pretrain", fmt.Sprint(p.TrainImages), fmt.Sprint(p.UnlabelledImages), "learning the model, labels unused"})
	}
	if f := r.Finetune; f != nil {
		var sizes []string
		seen := map[config.LabelCount]bool{}
		for _, run := range f.Runs {
			if !seen[run.LabelsPerClass] {
				seen[run.LabelsPerClass] = true
				sizes = append(sizes, fmt.Sprintf("%d + %d held out (%s)", run.TrainImages, run.HeldOutImages, countText(run.LabelsPerClass)))
			}
		}
		for _, row := range f.Summary { // results without their runs
			if !seen[row.LabelsPerClass] {
				seen[row.LabelsPerClass] = true
				sizes = append(sizes, countText(row.LabelsPerClass))
			}
		}
		t.rows = append(t.rows, []string{"finetune", strings.Join(sizes, "; "), "0", "training classifiers on small labelled subsets"})
	}
	if red := r.Reduce; red != nil {
		t.rows = append(t.rows, []string{"reduce", fmt.Sprint(red.TrainImages), "0", "fitting PCA"})
	}
	t.rows = append(t.rows, []string{"compare", fmt.Sprintf("%d neighbours, %d queries", r.TrainImages, r.Queries), "0", "kNN classification"})
	return t
}
