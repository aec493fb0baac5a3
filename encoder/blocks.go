package encoder

import (
	"fmt"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/model"
)

// Depth is the encoder's number of convolution blocks (len(Spec().Filters)).
func (e *Encoder) Depth() int { return len(e.spec.Filters) }

// blockScope is block i's variable scope (1 first): "/encoder/conv1".
func blockScope(i int) string { return fmt.Sprintf("/%s/conv%d", model.EncoderScope, i) }

// inBlocks says whether a weight's scope lies in the first n blocks.
func inBlocks(scope string, n int) bool {
	for i := 1; i <= n; i++ {
		if scope == blockScope(i) || strings.HasPrefix(scope, blockScope(i)+"/") {
			return true
		}
	}
	return false
}

// InstallBlocks puts the weights of the encoder's first n blocks into ctx
// with the mode's trainability, as Install does for all of them (n =
// Depth() is Install). The blocks above n and the dense code are left
// out: ApplyBlocks draws them afresh, with ctx's initialiser, as a model
// trained from scratch would, and they train at the full rate (the mode's
// StepScale applies to the installed blocks only).
func (e *Encoder) InstallBlocks(ctx *context.Context, m Mode, n int) {
	if n < 1 || n > e.Depth() {
		panic(fmt.Sprintf("encoder.InstallBlocks: %d blocks of an encoder of %d", n, e.Depth())) // the caller's bounds
	}
	if n == e.Depth() {
		e.Install(ctx, m)
		return
	}
	e.setWeights(ctx, m, func(scope string) bool { return inBlocks(scope, n) })
	if m.Trainable && m.StepScale > 0 && m.StepScale != 1 {
		for i := 1; i <= n; i++ {
			ctx.InAbsPath(blockScope(i)).SetParam(model.ParamStepScale, m.StepScale)
		}
	}
}

// ApplyBlocks returns the codes [batch, CodeSize()] of images in the
// caller's graph from the encoder's first n blocks, as pretrained, and
// the blocks above n and the dense code re-initialised (the transfer
// design of Yosinski et al. 2014: copy the first n layers, train the
// rest). With n = Depth() it is Apply. The first call installs the n
// blocks (InstallBlocks); a frozen mode keeps them fixed (not trainable)
// while the layers above train.
func (e *Encoder) ApplyBlocks(ctx *context.Context, images *Node, m Mode, n int) *Node {
	if n == e.Depth() {
		return e.Apply(ctx, images, m)
	}
	if ctx.InAbsPath(blockScope(1)).GetVariable("weights") == nil {
		e.InstallBlocks(ctx, m, n)
	}
	return Codes(ctx.InAbsPath("/").Checked(false), images, e.spec)
}
