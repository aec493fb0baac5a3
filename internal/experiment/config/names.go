package config

import (
	"fmt"
	"strconv"
)

// Method is one way of getting the classifier's encoder in finetune.
type Method string

// The three methods finetune compares.
const (
	Frozen   Method = "frozen"   // the pretrained encoder, fixed
	Scratch  Method = "scratch"  // the same network from random weights
	Unfrozen Method = "unfrozen" // the pretrained encoder, trained too at a lower rate
)

// Methods lists the accepted finetune.methods, in report order.
var Methods = []Method{Frozen, Scratch, Unfrozen}

// LabelCount is a labelled-subset size per class, >= 1, or AllLabels for
// every training label. No count means all: 0 is no count, so a config
// that says 0 is refused, not read as all.
type LabelCount int

// AllLabels stands for "every training label": written "all" in YAML, in
// CSV and in reports, and 0 in JSON (see MarshalJSON).
const AllLabels LabelCount = -1

// String is the count, or "all".
func (n LabelCount) String() string {
	if n == AllLabels {
		return "all"
	}
	return strconv.Itoa(int(n))
}

// MarshalYAML writes AllLabels as "all", so a saved configuration reads
// back the same.
func (n LabelCount) MarshalYAML() (any, error) {
	if n == AllLabels {
		return "all", nil
	}
	return int(n), nil
}

// MarshalJSON writes AllLabels as 0, as results.json, finetune's
// results.json and subsets.json and the pipeline's fingerprints always
// have: no count is 0, so 0 there is unambiguous, and folders written
// before AllLabels became -1 read back the same.
func (n LabelCount) MarshalJSON() ([]byte, error) {
	if n == AllLabels {
		return []byte("0"), nil
	}
	return []byte(strconv.Itoa(int(n))), nil
}

// UnmarshalJSON reads 0 (or "all") as AllLabels.
func (n *LabelCount) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == `"all"` || s == "0" {
		*n = AllLabels
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return fmt.Errorf("labels_per_class %s: want a count >= 1, 0 or \"all\" (every label)", s)
	}
	*n = LabelCount(v)
	return nil
}
