package config

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is a bad value for one key: which key, the value, and what
// would be accepted instead.
type FieldError struct {
	Key     string // dotted key, e.g. "pretrain.epochs"
	Value   any    // the offending value
	Allowed string // what is accepted, in words
	Source  string // where the value came from (file, environment, --set); filled by Load
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "key %q has bad value %s; allowed: %s", e.Key, quoteValue(e.Value), e.Allowed)
	return b.String()
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}

// Backends lists the accepted values of the backend key.
var Backends = []string{"go", "xla:cpu", "xla:cuda"}

// Sources lists the accepted values of data.source.
var Sources = []string{"fashion-mnist", "idx", "images", "npy"}

// Schedules lists the accepted values of pretrain.schedule.
var Schedules = []string{"constant", "cosine"}

// checker gathers FieldErrors for one section.
type checker struct {
	prefix string
	errs   []error
}

func (c *checker) fail(key string, v any, allowed string) {
	c.errs = append(c.errs, &FieldError{Key: c.prefix + key, Value: v, Allowed: allowed})
}

func (c *checker) atLeast(key string, v, lo int) {
	if v < lo {
		c.fail(key, v, fmt.Sprintf("an integer >= %d", lo))
	}
}

func (c *checker) positive(key string, v float64) {
	if !(v > 0) {
		c.fail(key, v, "a number > 0")
	}
}

func (c *checker) within(key string, v, lo, hi float64, desc string) {
	if !(v >= lo && v < hi) {
		c.fail(key, v, desc)
	}
}

func (c *checker) oneOf(key, v string, options []string) {
	for _, o := range options {
		if v == o {
			return
		}
	}
	c.fail(key, v, "one of "+strings.Join(options, ", "))
}

func (c *checker) err() error { return errors.Join(c.errs...) }

// Validate checks every section and returns all problems at once.
func (c *Config) Validate() error {
	k := &checker{}
	if strings.TrimSpace(c.Name) == "" {
		k.fail("name", c.Name, "a non-empty name")
	}
	k.oneOf("backend", c.Backend, Backends)
	if strings.TrimSpace(c.OutputDir) == "" {
		k.fail("output_dir", c.OutputDir, "a non-empty folder path")
	}
	if c.Data.Source == "fashion-mnist" {
		for _, n := range c.Finetune.LabelsPerClass {
			if n > TrainImages/10 { // 10 classes of 6000
				k.fail("finetune.labels_per_class", int(n),
					`integers from 1 to 6000 (Fashion-MNIST's training images per class, fewer once data.validation is held out), or "all"`)
			}
		}
	}
	k.atLeast("sweep.seeds", c.Sweep.Seeds, 1)
	return errors.Join(k.err(), c.Data.Validate(), c.validateModel(), c.Pretrain.Validate(),
		c.Finetune.Validate(), c.Reduce.Validate(), c.Generate.Validate(), c.Compare.Validate())
}

// TrainImages is the size of Fashion-MNIST's training file.
const TrainImages = 60000

// LabelCountsAllowed says what finetune.labels_per_class accepts. Every
// source is limited by its smallest class, checked when the data are
// loaded; Fashion-MNIST's 6000 is checked beforehand.
const LabelCountsAllowed = `integers >= 1 (at most the smallest class's training images: 6000 for fashion-mnist), or "all" (0 is not all)`

// Validate checks the data section.
func (d *Data) Validate() error {
	k := &checker{prefix: "data."}
	k.oneOf("source", d.Source, Sources)
	fashion := d.Source == "fashion-mnist"
	switch {
	case fashion && (d.Validation < 0 || d.Validation >= TrainImages):
		k.fail("validation", d.Validation, fmt.Sprintf("an integer from 0 to %d", TrainImages-1))
	case d.Validation < 0:
		k.fail("validation", d.Validation, "an integer >= 0 (fewer than the training images)")
	}
	switch {
	case d.TrainSubset < 0:
		k.fail("train_subset", d.TrainSubset, "0 (all) or a positive count")
	case fashion && d.TrainSubset > TrainImages-d.Validation:
		k.fail("train_subset", d.TrainSubset,
			fmt.Sprintf("0 (all) or up to %d (60000 minus data.validation)", TrainImages-d.Validation))
	}
	if !fashion && d.Dir == "" {
		k.fail("dir", d.Dir, fmt.Sprintf("the folder holding the data (data.source %s needs one)", d.Source))
	}
	if !(d.TestFraction > 0 && d.TestFraction < 1) {
		k.fail("test_fraction", d.TestFraction, "a number between 0 and 1 (exclusive)")
	}
	d.validateClasses(k)
	return k.err()
}

// ClassesAllowed says what data.classes accepts.
const ClassesAllowed = "an empty list (every class), or 2 or more of the data's class names (any case) or indices (from 0), each once"

// validateClasses checks what data.classes can be checked without the
// data: two entries or more, none empty, none twice (names compare in any
// case). Whether each names a class of the data, Open checks.
func (d *Data) validateClasses(k *checker) {
	if len(d.Classes) == 0 {
		return
	}
	if len(d.Classes) == 1 {
		k.fail("classes", d.Classes, ClassesAllowed+": one class leaves nothing to tell apart")
		return
	}
	seen := map[string]string{}
	for _, c := range d.Classes {
		norm := strings.ToLower(strings.TrimSpace(c))
		if norm == "" {
			k.fail("classes", d.Classes, ClassesAllowed+": an entry is empty")
			return
		}
		if prev, ok := seen[norm]; ok {
			k.fail("classes", d.Classes, fmt.Sprintf("%s: %q and %q are the same class; list it once", ClassesAllowed, prev, c))
			return
		}
		seen[norm] = c
	}
}

// validateModel checks the model section (with pretrain.model, its kind).
func (c *Config) validateModel() error {
	k := &checker{prefix: "model."}
	if len(c.Model.Input) != 3 {
		k.fail("input", c.Model.Input, "[height, width, channels], e.g. [28, 28, 1] or [32, 32, 3]")
		return k.err()
	}
	if c.Pretrain.Model != "ae" && c.Pretrain.Model != "vae" {
		return nil // pretrain.model's own check says so
	}
	for _, p := range c.Spec().Problems() {
		k.fail(p.Key, p.Value, p.Allowed)
	}
	depth := len(c.Model.Filters)
	for _, n := range c.Finetune.Blocks {
		if depth > 0 && (n < 1 || n > depth) {
			k.errs = append(k.errs, &FieldError{Key: "finetune.blocks", Value: n,
				Allowed: fmt.Sprintf("block counts from 1 to %d (model.filters %v has %d blocks; scratch is the 0-block control)", depth, c.Model.Filters, depth)})
		}
	}
	if n := c.Spec().Values(); n > 0 {
		for _, d := range c.Reduce.PCADims {
			if d > n {
				k.errs = append(k.errs, &FieldError{Key: "reduce.pca_dims", Value: d,
					Allowed: fmt.Sprintf("at most the model input's %d values (model.input %v)", n, c.Model.Input)})
			}
		}
	}
	return k.err()
}

// Validate checks the pretrain section.
func (p *Pretrain) Validate() error {
	k := &checker{prefix: "pretrain."}
	k.oneOf("model", p.Model, Models)
	if !(p.Beta >= 0) {
		k.fail("beta", p.Beta, "a number >= 0")
	}
	k.atLeast("kl_warmup", p.KLWarmup, 0)
	if p.From == "" {
		k.atLeast("epochs", p.Epochs, 1)
	} else if p.Epochs < 0 {
		k.fail("epochs", p.Epochs, "an integer >= 0 with pretrain.from (0: its model as it is)")
	}
	k.atLeast("batch_size", p.BatchSize, 1)
	k.positive("learning_rate", p.LearningRate)
	k.within("beta1", p.Beta1, 0, 1, "a number in [0, 1)")
	k.within("beta2", p.Beta2, 0, 1, "a number in [0, 1)")
	k.positive("epsilon", p.Epsilon)
	k.oneOf("schedule", p.Schedule, Schedules)
	k.atLeast("patience", p.Patience, 0)
	k.atLeast("reconstructions", p.Reconstructions, 0)
	return k.err()
}

// Validate checks the finetune section.
func (f *Finetune) Validate() error {
	k := &checker{prefix: "finetune."}
	if len(f.LabelsPerClass) == 0 {
		k.fail("labels_per_class", f.LabelsPerClass, "a non-empty list of "+LabelCountsAllowed)
	}
	for _, n := range f.LabelsPerClass {
		if n < 1 && n != AllLabels {
			k.fail("labels_per_class", int(n), LabelCountsAllowed)
		}
	}
	k.atLeast("epochs", f.Epochs, 1)
	for _, h := range f.Head {
		k.atLeast("head", h, 1)
	}
	k.within("dropout", f.Dropout, 0, 1, "a number in [0, 1)")
	k.atLeast("seeds", f.Seeds, 1)
	k.positive("learning_rate", f.LearningRate)
	k.atLeast("batch_size", f.BatchSize, 1)
	k.atLeast("patience", f.Patience, 0)
	k.within("held_out", f.HeldOut, 0.01, 0.9, "a number in [0.01, 0.9)")
	names := make([]string, len(Methods))
	for i, m := range Methods {
		names[i] = string(m)
	}
	if len(f.Methods) == 0 {
		k.fail("methods", f.Methods, "a non-empty list of "+strings.Join(names, ", "))
	}
	for _, m := range f.Methods {
		k.oneOf("methods", string(m), names)
	}
	k.within("encoder_step_scale", f.EncoderStepScale, 1e-6, 10, "a number in [1e-6, 10)")
	k.atLeast("unfreeze_at", f.UnfreezeAt, 0)
	if f.UnfreezeAt >= f.Epochs && f.UnfreezeAt > 0 {
		k.fail("unfreeze_at", f.UnfreezeAt, fmt.Sprintf("0 (train the encoder from the start) or fewer than finetune.epochs (%d)", f.Epochs))
	}
	seen := map[int]bool{}
	for _, n := range f.Blocks {
		if seen[n] {
			k.fail("blocks", n, "each block count once")
		}
		seen[n] = true
	}
	return k.err()
}

// Validate checks the reduce section.
func (r *Reduce) Validate() error {
	k := &checker{prefix: "reduce."}
	for _, d := range r.PCADims {
		if d < 1 {
			k.fail("pca_dims", d, "integers >= 1 (at most the model input's values: 784 for 28x28 grey)")
		}
	}
	return k.err()
}

// Validate checks the generate section.
func (g *Generate) Validate() error {
	k := &checker{prefix: "generate."}
	if g.Samples < 1 || g.Samples > 400 {
		k.fail("samples", g.Samples, "an integer from 1 to 400")
	}
	if g.Interpolations < 1 || g.Interpolations > 50 {
		k.fail("interpolations", g.Interpolations, "an integer from 1 to 50")
	}
	if g.QualitySamples < 500 {
		k.fail("quality_samples", g.QualitySamples, "an integer >= 500 (five batches of at least 100)")
	}
	k.atLeast("classifier_epochs", g.ClassifierEpochs, 1)
	return k.err()
}

// Validate checks the compare section.
func (c *Compare) Validate() error {
	k := &checker{prefix: "compare."}
	k.atLeast("k", c.K, 1)
	for _, v := range c.KCurve {
		k.atLeast("k_curve", v, 1)
	}
	k.oneOf("weights", c.Weights, KNNWeights)
	k.oneOf("knn", c.KNN, KNNEngines)
	k.atLeast("golearn_check", c.GolearnCheck, 0)
	k.atLeast("test_subset", c.TestSubset, 0)
	return k.err()
}
