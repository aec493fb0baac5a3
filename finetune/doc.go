// Package finetune measures transfer learning from the pretrained encoder
// to classification with few labels (the paper's section 4.2): a classifier
// head on the encoder's codes (576 values for the paper's model), trained on labelled subsets drawn per class
// with fixed seeds, by three methods on the very same subsets: frozen
// (pretrained encoder fixed, behind StopGradient), scratch (the same
// network from random weights) and unfrozen (pretrained encoder trained
// too, at a lower rate). Run is the `hourglass finetune` stage.
package finetune
