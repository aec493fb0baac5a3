package config

import "strconv"

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

// LabelCount is a labelled-subset size per class; AllLabels means every
// training label.
type LabelCount int

// AllLabels stands for "every training label" (written "all").
const AllLabels LabelCount = 0

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
