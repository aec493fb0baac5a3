package compare

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// conclude writes the plain-words conclusion from the numbers: which
// representation won kNN, by how much, at what cost, and how the
// autoencoder compares with PCA at reconstruction and, when it ran, with
// labels.
func conclude(r *Results) []string {
	var out []string
	if len(r.KNN) == 0 {
		return []string{"No representation was scored."}
	}
	ranked := append([]KNNResult(nil), r.KNN...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Accuracy > ranked[j].Accuracy })
	best, second := ranked[0], ranked[min(1, len(ranked)-1)]
	s := fmt.Sprintf("With %d-nearest-neighbour classification on %d test images, %s scored best: %.2f%% accuracy with %d values per image",
		r.K, r.Queries, label(best.Representation), 100*best.Accuracy, best.Dim)
	if len(ranked) > 1 {
		s += fmt.Sprintf(", %.2f points ahead of %s (%.2f%%)", 100*(best.Accuracy-second.Accuracy), label(second.Representation), 100*second.Accuracy)
	}
	out = append(out, s+".")
	ae, px := r.knn("autoencoder"), r.knn("pixels")
	if ae != nil {
		bestPCA := bestOf(r.KNN, "pca-")
		if bestPCA != nil {
			verb := "beat"
			if ae.Accuracy <= bestPCA.Accuracy {
				verb = "trailed"
			}
			out = append(out, fmt.Sprintf("The autoencoder's codes (%d values, %.2f%%) %s the best PCA codes (%s, %.2f%%) by %.2f points, "+
				"so the paper's claim that autoencoder codes beat PCA %s here.",
				ae.Dim, 100*ae.Accuracy, verb, label(bestPCA.Representation), 100*bestPCA.Accuracy, 100*math.Abs(ae.Accuracy-bestPCA.Accuracy),
				map[bool]string{true: "holds", false: "does not hold"}[ae.Accuracy > bestPCA.Accuracy]))
		}
		if px != nil {
			out = append(out, fmt.Sprintf("Against raw pixels (%.2f%%, 784 values) the autoencoder codes are %+.2f points, and their kNN search took %.1fs against %.1fs.",
				100*px.Accuracy, 100*(ae.Accuracy-px.Accuracy), ae.Seconds, px.Seconds))
		}
	}
	if small := smallestPCA(r.KNN); small != nil && px != nil {
		out = append(out, fmt.Sprintf("The smallest code, %s, keeps %.1f%% of raw pixels' accuracy with %.1f%% of their size, and its kNN search took %.1fs against %.1fs.",
			label(small.Representation), 100*small.Accuracy/px.Accuracy, 100*float64(small.Dim)/784, small.Seconds, px.Seconds))
	}
	if r.Reduce != nil {
		var aeMSE, pcaMSE float64
		pcaName := ""
		for _, rep := range r.Reduce.Representations {
			if rep.Name == "autoencoder" {
				aeMSE = rep.TestMSE
			}
		}
		for _, rep := range r.Reduce.Representations {
			if strings.HasPrefix(rep.Name, "pca-") && (pcaName == "" || rep.Dim > pcaDim(pcaName)) {
				pcaName, pcaMSE = rep.Name, rep.TestMSE
			}
		}
		if aeMSE > 0 && pcaName != "" {
			cmp := "lower"
			if aeMSE > pcaMSE {
				cmp = "higher"
			}
			out = append(out, fmt.Sprintf("At reconstruction, the autoencoder's test MSE (%.5f) is %s than that of %s (%.5f).", aeMSE, cmp, label(pcaName), pcaMSE))
		}
	}
	if r.Finetune != nil {
		out = append(out, concludeFinetune(r.Finetune)...)
	}
	return out
}

func concludeFinetune(f *FinetuneResults) []string {
	byCount := map[int]map[string]FinetuneRow{}
	var counts []int
	for _, row := range f.Rows {
		if byCount[row.LabelsPerClass] == nil {
			byCount[row.LabelsPerClass] = map[string]FinetuneRow{}
			counts = append(counts, row.LabelsPerClass)
		}
		byCount[row.LabelsPerClass][row.Method] = row
	}
	// "all" (0) last.
	sort.Slice(counts, func(i, j int) bool {
		return (counts[i] != 0 && counts[i] < counts[j]) || counts[j] == 0 && counts[i] != 0
	})
	var out []string
	for _, n := range counts {
		m := byCount[n]
		fr, okF := m["frozen"]
		sc, okS := m["scratch"]
		if !okF || !okS {
			continue
		}
		who := "the frozen encoder beat training from scratch"
		if fr.MeanAccuracy < sc.MeanAccuracy {
			who = "training from scratch beat the frozen encoder"
		}
		count := fmt.Sprintf("%d labels per class", n)
		if n == 0 {
			count = "all labels"
		}
		runs := fmt.Sprintf("mean of %d runs", fr.Runs)
		if fr.Runs == 1 {
			runs = "one run"
		}
		out = append(out, fmt.Sprintf("With %s, %s: %.2f%% against %.2f%% (%s).", count, who, 100*fr.MeanAccuracy, 100*sc.MeanAccuracy, runs))
		if un, ok := m["unfrozen"]; ok {
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

func bestOf(rs []KNNResult, prefix string) *KNNResult {
	var b *KNNResult
	for i := range rs {
		if strings.HasPrefix(rs[i].Representation, prefix) && (b == nil || rs[i].Accuracy > b.Accuracy) {
			b = &rs[i]
		}
	}
	return b
}

func smallestPCA(rs []KNNResult) *KNNResult {
	var b *KNNResult
	for i := range rs {
		if strings.HasPrefix(rs[i].Representation, "pca-") && (b == nil || rs[i].Dim < b.Dim) {
			b = &rs[i]
		}
	}
	return b
}

func pcaDim(name string) int {
	var d int
	fmt.Sscanf(name, "pca-%d", &d)
	return d
}

// label names a representation for people.
func label(name string) string {
	switch {
	case name == "pixels":
		return "raw pixels"
	case name == "autoencoder":
		return "the autoencoder codes"
	case strings.HasPrefix(name, "pca-"):
		return fmt.Sprintf("PCA with %d components", pcaDim(name))
	}
	return name
}
