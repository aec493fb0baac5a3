// Package hooks lets tests watch and interrupt long work at known points
// without public options: a test puts Hooks in the context it passes to a
// stage, and the training loops call them. Outside tests the context holds
// none and nothing is called.
package hooks

import (
	"context"

	gctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// Hooks are the points a test can watch.
type Hooks struct {
	// Step is called after each training step of a loop named loop
	// ("pretrain", "finetune"), with the steps that loop has taken in this
	// call. A test cancels the context here to interrupt at a known step,
	// the same way Ctrl-C does.
	Step func(loop string, steps int)
	// Classifier is called with each finished transfer classifier: its
	// method, label count and seed, and a reader of its variables.
	Classifier func(c Classifier)
	// Weights is called after each pretraining step (counted from the
	// start of the run, 1 first) with the model's variables, so a test can
	// force a state, such as a dead output layer; and with step 0 before
	// the first step of a run that starts at its beginning, with the
	// weights training starts from.
	Weights func(step int, vars *gctx.Context)
	// Epoch is called after each epoch of a transfer classifier (epoch 1
	// first) with a reader of its variables.
	Epoch func(c Classifier, epoch int)
}

// Classifier describes a finished transfer classifier for Hooks.Classifier.
type Classifier struct {
	Method         string
	Blocks         int // encoder blocks taken from the pretrained model (0: scratch, or every block)
	LabelsPerClass int // negative: every label
	Seed           int64
	TrainImages    int
	HeldOutImages  int
	TestAccuracy   float64
	// Weight returns a copy of a variable's values, or nil.
	Weight func(scope, name string) []float32
}

type key struct{}

// With returns ctx carrying h.
func With(ctx context.Context, h *Hooks) context.Context { return context.WithValue(ctx, key{}, h) }

// Step calls the context's Step hook, if any.
func Step(ctx context.Context, loop string, steps int) {
	if h, ok := ctx.Value(key{}).(*Hooks); ok && h.Step != nil {
		h.Step(loop, steps)
	}
}

// Weights calls the context's Weights hook, if any.
func Weights(ctx context.Context, step int, vars *gctx.Context) {
	if h, ok := ctx.Value(key{}).(*Hooks); ok && h.Weights != nil {
		h.Weights(step, vars)
	}
}

// Epoch calls the context's Epoch hook, if any.
func Epoch(ctx context.Context, c Classifier, epoch int) {
	if h, ok := ctx.Value(key{}).(*Hooks); ok && h.Epoch != nil {
		h.Epoch(c, epoch)
	}
}

// Finished calls the context's Classifier hook, if any.
func Finished(ctx context.Context, c Classifier) {
	if h, ok := ctx.Value(key{}).(*Hooks); ok && h.Classifier != nil {
		h.Classifier(c)
	}
}
