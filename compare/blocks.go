package compare

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// maxBlocks is the most encoder blocks any transfer run took
// (finetune.blocks), or 0 when the key was not set.
func maxBlocks(f *results.Transfer) int {
	b := 0
	for _, r := range f.Summary {
		b = max(b, r.Blocks)
	}
	return b
}

// withEveryBlock is f as the method comparisons read it: scratch and the
// runs that took every block of the encoder (depth; 0 where unknown: the
// most any run took), as if finetune.blocks were not set.
func withEveryBlock(f *results.Transfer, depth int) *results.Transfer {
	top := maxBlocks(f)
	if top == 0 {
		return f
	}
	if depth > 0 && top < depth {
		// No run took the whole encoder (finetune.blocks without the
		// depth): the method sentences would name a part "the frozen
		// encoder". The block sentences compare each count with scratch.
		top = -1
	}
	keep := func(m config.Method, b int) bool {
		return (m == config.Scratch && b == 0) || (m != config.Scratch && b == top)
	}
	out := &results.Transfer{}
	for _, r := range f.Summary {
		if keep(r.Method, r.Blocks) {
			r.Blocks = 0
			out.Summary = append(out.Summary, r)
		}
	}
	for _, d := range f.Differences {
		if keep(d.A, d.ABlocks) && keep(d.B, d.BBlocks) {
			d.ABlocks, d.BBlocks = 0, 0
			out.Differences = append(out.Differences, d)
		}
	}
	return out
}

// blocksDiff is the paired difference of (am, ab) less (bm, bb) at n, in
// either stored order.
func blocksDiff(f *results.Transfer, n config.LabelCount, am config.Method, ab int, bm config.Method, bb int) (results.TransferDiff, bool) {
	for _, d := range f.Differences {
		if d.LabelsPerClass != n {
			continue
		}
		if d.A == am && d.ABlocks == ab && d.B == bm && d.BBlocks == bb {
			return d, true
		}
		if d.A == bm && d.ABlocks == bb && d.B == am && d.BBlocks == ab {
			return results.TransferDiff{LabelsPerClass: n, A: am, ABlocks: ab, B: bm, BBlocks: bb, Pairs: d.Pairs, Mean: -d.Mean, SD: d.SD,
				Low: -d.High, High: -d.Low, SeedsNeeded: d.SeedsNeeded}, true
		}
	}
	return results.TransferDiff{}, false
}

// blocksText is "its first block", "its first 2 blocks".
func blocksText(b int) string {
	if b == 1 {
		return "its first block"
	}
	return fmt.Sprintf("its first %d blocks", b)
}

// blockRows groups f's rows with blocks by label count and method, blocks
// ascending, and finds scratch's row per label count.
func blockRows(f *results.Transfer) (counts []config.LabelCount, rows map[config.LabelCount]map[config.Method][]results.TransferRow, scratch map[config.LabelCount]results.TransferRow) {
	rows = map[config.LabelCount]map[config.Method][]results.TransferRow{}
	scratch = map[config.LabelCount]results.TransferRow{}
	for _, r := range f.Summary {
		if _, ok := rows[r.LabelsPerClass]; !ok {
			rows[r.LabelsPerClass] = map[config.Method][]results.TransferRow{}
			counts = append(counts, r.LabelsPerClass)
		}
		if r.Method == config.Scratch {
			scratch[r.LabelsPerClass] = r
		} else if r.Blocks > 0 {
			rows[r.LabelsPerClass][r.Method] = append(rows[r.LabelsPerClass][r.Method], r)
		}
	}
	sort.Slice(counts, func(i, j int) bool { return labelOrder(counts[i]) < labelOrder(counts[j]) })
	for _, byMethod := range rows {
		for _, rs := range byMethod {
			sort.Slice(rs, func(i, j int) bool { return rs[i].Blocks < rs[j].Blocks })
		}
	}
	return counts, rows, scratch
}

// diffText is a paired difference's figures: "-0.42 points, 95% interval
// [-1.90, +1.06] over 5 seeds paired by subset".
func diffText(d results.TransferDiff) string {
	return fmt.Sprintf("%+.2f points, 95%% interval [%+.2f, %+.2f] over %d seeds paired by subset", 100*d.Mean, 100*d.Low, 100*d.High, d.Pairs)
}

// concludeBlocks states, per label count and method, how the encoder's
// lower blocks alone compare with the most blocks transferred and with
// scratch, each from the paired interval over seeds (Yosinski et al.'s
// AnB and AnB+ against the number of layers copied).
func concludeBlocks(f *results.Transfer) []string {
	counts, rows, scratch := blockRows(f)
	var out []string
	for _, n := range counts {
		for _, m := range []config.Method{config.Frozen, config.Unfrozen} {
			rs := rows[n][m]
			if len(rs) == 0 {
				continue
			}
			top := rs[len(rs)-1]
			for _, r := range rs[:len(rs)-1] {
				out = append(out, blocksAgainst(f, n, m, r, top))
			}
			if sc, ok := scratch[n]; ok {
				var parts []string
				for _, r := range rs {
					d, ok := blocksDiff(f, n, m, r.Blocks, config.Scratch, 0)
					switch {
					case !ok || d.Pairs < 2:
						parts = append(parts, fmt.Sprintf("%s %.2f%%, one run: no verdict", blocksText(r.Blocks), 100*r.MeanAccuracy))
					default:
						parts = append(parts, fmt.Sprintf("%s %.2f%% (%s): %s", blocksText(r.Blocks), 100*r.MeanAccuracy, diffText(d), verdict(d, "better than scratch", "worse than scratch")))
					}
				}
				out = append(out, fmt.Sprintf("With %s, against training from scratch (%.2f%%), %s with %s.", countText(n), 100*sc.MeanAccuracy,
					methodName[m], strings.Join(parts, "; ")))
			}
		}
	}
	return out
}

// blocksAgainst compares a method with fewer blocks (r) against the same
// method with the most (top).
func blocksAgainst(f *results.Transfer, n config.LabelCount, m config.Method, r, top results.TransferRow) string {
	head := fmt.Sprintf("With %s, %s with %s", countText(n), methodName[m], blocksText(r.Blocks))
	d, ok := blocksDiff(f, n, m, r.Blocks, m, top.Blocks)
	if !ok || d.Pairs < 2 {
		return head + fmt.Sprintf(" scored %.2f%% and with %s %.2f%% in one run each: no interval, so no verdict.", 100*r.MeanAccuracy, blocksText(top.Blocks), 100*top.MeanAccuracy)
	}
	switch {
	case d.High < 0:
		return head + fmt.Sprintf(" falls short of %s: %.2f%% against %.2f%% (%s).", blocksText(top.Blocks), 100*r.MeanAccuracy, 100*top.MeanAccuracy, diffText(d))
	case d.Low > 0:
		return head + fmt.Sprintf(" beats %s: %.2f%% against %.2f%% (%s).", blocksText(top.Blocks), 100*r.MeanAccuracy, 100*top.MeanAccuracy, diffText(d))
	}
	return head + fmt.Sprintf(" and with %s are not distinguishable: %.2f%% against %.2f%% (%s).", blocksText(top.Blocks), 100*r.MeanAccuracy, 100*top.MeanAccuracy, diffText(d))
}

// verdict words a paired difference's interval.
func verdict(d results.TransferDiff, above, below string) string {
	switch {
	case d.Low > 0:
		return above
	case d.High < 0:
		return below
	}
	return "not distinguishable"
}

// shortBlocks is the summary's line per label count and method: the
// accuracy at each block count and the fewest blocks not distinguishable
// from (or better than) the most.
func shortBlocks(f *results.Transfer) []string {
	counts, rows, _ := blockRows(f)
	var out []string
	for _, n := range counts {
		for _, m := range []config.Method{config.Frozen, config.Unfrozen} {
			rs := rows[n][m]
			if len(rs) < 2 {
				continue
			}
			top := rs[len(rs)-1]
			var accs []string
			for _, r := range rs {
				accs = append(accs, fmt.Sprintf("%d: %s", r.Blocks, pct(r.MeanAccuracy)))
			}
			s := fmt.Sprintf("With %s, %s by blocks kept (%s)", countText(n), methodName[m], strings.Join(accs, ", "))
			// The fewest blocks such that no count from there up to the
			// most falls short of the most: scan down from the largest.
			fewest, short, tested := "", "", true
			for i := len(rs) - 2; i >= 0; i-- {
				r := rs[i]
				d, ok := blocksDiff(f, n, m, r.Blocks, m, top.Blocks)
				if !ok || d.Pairs < 2 {
					tested = false
					break
				}
				if d.High < 0 {
					verb := "fall"
					if r.Blocks == 1 {
						verb = "falls"
					}
					short = fmt.Sprintf(": %s %s short of %s (%+.2f points, 95%% interval [%+.2f, %+.2f])",
						blocksText(r.Blocks), verb, blocksText(top.Blocks), 100*d.Mean, 100*d.Low, 100*d.High)
					break
				}
				how := "not distinguishable from"
				if d.Low > 0 {
					how = "that beats"
				}
				fewest = fmt.Sprintf(": %s is the fewest %s %s (%+.2f points, 95%% interval [%+.2f, %+.2f]).",
					blocksText(r.Blocks), how, blocksText(top.Blocks), 100*d.Mean, 100*d.Low, 100*d.High)
			}
			switch {
			case fewest != "" && short != "":
				fewest = strings.TrimSuffix(fewest, ".") + "; below it" + strings.TrimPrefix(short, ":") + "."
			case fewest != "":
			case !tested:
				fewest = ": too few seeds to test the block counts against each other."
			default:
				fewest = short + ", so no fewer blocks serve as well."
			}
			out = append(out, s+fewest)
		}
	}
	return out
}

// encoderDepth is the encoder's number of blocks, from the experiment's
// configuration; 0 where the comparison does not carry it.
func encoderDepth(r *results.Comparison) int {
	if r.Config == nil {
		return 0
	}
	return r.Config.Spec().Depth()
}
