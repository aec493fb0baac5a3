package compare

import (
	"fmt"
	"math"
	"sort"

	"github.com/hourglass-ml/hourglass/config"
	"github.com/hourglass-ml/hourglass/results"
)

// conclude writes the plain-words conclusion from the numbers: which
// representation won kNN, by how much, at what cost, and how the
// autoencoder compares with PCA at reconstruction and, when it ran, with
// labels.
func conclude(r *results.Comparison) []string {
	var out []string
	if len(r.KNN) == 0 {
		return []string{"No representation was scored."}
	}
	ranked := append([]results.KNN(nil), r.KNN...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Accuracy > ranked[j].Accuracy })
	best, second := ranked[0], ranked[min(1, len(ranked)-1)]
	s := fmt.Sprintf("With %d-nearest-neighbour classification on %d test images, %s scored best: %.2f%% accuracy with %d values per image",
		r.K, r.Queries, best.Label(), 100*best.Accuracy, best.Dim)
	if len(ranked) > 1 {
		s += fmt.Sprintf(", %.2f points ahead of %s (%.2f%%)", 100*(best.Accuracy-second.Accuracy), second.Label(), 100*second.Accuracy)
	}
	out = append(out, s+".")
	ae, px := bestOf(r.KNN, results.Autoencoder), r.Find(results.PixelsRep())
	if ae != nil {
		if bestPCA := bestOf(r.KNN, results.PCA); bestPCA != nil {
			verb := "beat"
			if ae.Accuracy <= bestPCA.Accuracy {
				verb = "trailed"
			}
			out = append(out, fmt.Sprintf("The autoencoder's codes (%d values, %.2f%%) %s the best PCA codes (%s, %.2f%%) by %.2f points, "+
				"so the paper's claim that autoencoder codes beat PCA %s here.",
				ae.Dim, 100*ae.Accuracy, verb, bestPCA.Label(), 100*bestPCA.Accuracy, 100*math.Abs(ae.Accuracy-bestPCA.Accuracy),
				map[bool]string{true: "holds", false: "does not hold"}[ae.Accuracy > bestPCA.Accuracy]))
		}
		if px != nil {
			out = append(out, fmt.Sprintf("Against raw pixels (%.2f%%, 784 values) the autoencoder codes are %+.2f points, and their kNN search took %.1fs against %.1fs.",
				100*px.Accuracy, 100*(ae.Accuracy-px.Accuracy), ae.Seconds, px.Seconds))
		}
	}
	if small := smallest(r.KNN, results.PCA); small != nil && px != nil {
		out = append(out, fmt.Sprintf("The smallest code, %s, keeps %.1f%% of raw pixels' accuracy with %.1f%% of their size, and its kNN search took %.1fs against %.1fs.",
			small.Label(), 100*small.Accuracy/px.Accuracy, 100*float64(small.Dim)/784, small.Seconds, px.Seconds))
	}
	if r.Reduce != nil {
		aeRep, pcaRep := r.Reduce.Find(results.Autoencoder), r.Reduce.Find(results.PCA)
		if aeRep != nil && pcaRep != nil && aeRep.TestMSE > 0 {
			cmp := "lower"
			if aeRep.TestMSE > pcaRep.TestMSE {
				cmp = "higher"
			}
			out = append(out, fmt.Sprintf("At reconstruction, the autoencoder's test MSE (%.5f) is %s than that of %s (%.5f).", aeRep.TestMSE, cmp, pcaRep.Label(), pcaRep.TestMSE))
		}
	}
	if r.Finetune != nil {
		out = append(out, concludeFinetune(r.Finetune.Summary)...)
	}
	return out
}

func concludeFinetune(rows []results.TransferRow) []string {
	byCount := map[config.LabelCount]map[config.Method]results.TransferRow{}
	var counts []config.LabelCount
	for _, row := range rows {
		if byCount[row.LabelsPerClass] == nil {
			byCount[row.LabelsPerClass] = map[config.Method]results.TransferRow{}
			counts = append(counts, row.LabelsPerClass)
		}
		byCount[row.LabelsPerClass][row.Method] = row
	}
	sort.Slice(counts, func(i, j int) bool { return labelOrder(counts[i]) < labelOrder(counts[j]) })
	var out []string
	for _, n := range counts {
		m := byCount[n]
		fr, okF := m[config.Frozen]
		sc, okS := m[config.Scratch]
		if !okF || !okS {
			continue
		}
		who := "the frozen encoder beat training from scratch"
		if fr.MeanAccuracy < sc.MeanAccuracy {
			who = "training from scratch beat the frozen encoder"
		}
		count := fmt.Sprintf("%d labels per class", n)
		if n == config.AllLabels {
			count = "all labels"
		}
		runs := fmt.Sprintf("mean of %d runs", fr.Runs)
		if fr.Runs == 1 {
			runs = "one run"
		}
		out = append(out, fmt.Sprintf("With %s, %s: %.2f%% against %.2f%% (%s).", count, who, 100*fr.MeanAccuracy, 100*sc.MeanAccuracy, runs))
		if un, ok := m[config.Unfrozen]; ok {
			best := max(fr.MeanAccuracy, sc.MeanAccuracy)
			if un.MeanAccuracy >= best {
				out = append(out, fmt.Sprintf("Fine-tuning the pretrained encoder (unfrozen) was best there: %.2f%%.", 100*un.MeanAccuracy))
			} else {
				out = append(out, fmt.Sprintf("Fine-tuning the pretrained encoder (unfrozen, %.2f%%) trailed the best method by %.2f points there: "+
					"with few labels moving the encoder overfits (a smaller finetune.encoder_step_scale brings it to the frozen result), "+
					"with many it may need more epochs or patience.", 100*un.MeanAccuracy, 100*(best-un.MeanAccuracy)))
			}
		}
	}
	return out
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
