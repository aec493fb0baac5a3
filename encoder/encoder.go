// Package encoder lets other Go programs reuse hourglass's pretrained
// encoder: load it from a pretrain checkpoint, apply it inside their own
// GoMLX graph (frozen, or trainable at a chosen pace) to stack their own
// layers on its 576-value codes, or encode plain Go slices.
package encoder

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/model"
)

// Sizes of the encoder's input and output.
const (
	ImageSize = model.ImageSize // 28: images are 28x28, one channel, pixels in [0, 1]
	CodeSize  = model.CodeSize  // 576
)

// Encoder holds the pretrained encoder's weights.
type Encoder struct {
	weights map[string]*tensors.Tensor // "/encoder/conv1/weights" -> value
	source  string
	be      backends.Backend
	exec    *context.Exec
}

// Load reads the encoder from a pretrain checkpoint folder: either the
// checkpoint itself (<output_dir>/pretrain/checkpoint-last) or the
// pretrain folder holding it.
func Load(dir string) (*Encoder, error) {
	if _, err := os.Stat(filepath.Join(dir, "checkpoint-last")); err == nil {
		dir = filepath.Join(dir, "checkpoint-last")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("encoder.Load(%q): not a folder; want a pretrain checkpoint folder such as runs/<name>/pretrain/checkpoint-last", dir)
	}
	ctx := context.New()
	if _, err := checkpoints.Build(ctx).Dir(dir).Immediate().Done(); err != nil {
		return nil, fmt.Errorf("encoder.Load(%q): %w", dir, err)
	}
	e := &Encoder{weights: map[string]*tensors.Tensor{}, source: dir}
	for v := range ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), "/"+model.EncoderScope+"/") && !strings.HasSuffix(v.Name(), "_anchor") {
			e.weights[v.ParameterName()] = v.MustValue()
		}
	}
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("encoder.Load(%q): %w", dir, err)
	}
	return e, nil
}

// check verifies the loaded weights are the seed encoder's, shape by shape.
func (e *Encoder) check() error {
	want := map[string][]int{
		"conv1/weights": {3, 3, 1, 16}, "conv1/biases": {16},
		"conv2/weights": {3, 3, 16, 32}, "conv2/biases": {32},
		"conv3/weights": {3, 3, 32, 64}, "conv3/biases": {64},
	}
	for name, dims := range want {
		scope, vname := filepath.Split(name)
		key := context.VariableParameterNameFromScopeAndName("/"+model.EncoderScope+"/"+strings.TrimSuffix(scope, "/"), vname)
		t, ok := e.weights[key]
		if !ok {
			return fmt.Errorf("no variable %s: not an hourglass autoencoder checkpoint (run `hourglass pretrain`)", key)
		}
		if fmt.Sprint(t.Shape().Dimensions) != fmt.Sprint(dims) {
			return fmt.Errorf("variable %s has shape %v, want %v", key, t.Shape().Dimensions, dims)
		}
	}
	return nil
}

// Source is the checkpoint folder the weights came from.
func (e *Encoder) Source() string { return e.source }

// Mode says how Apply treats the encoder's weights.
type Mode struct {
	// Trainable lets the optimiser change the encoder; false freezes it:
	// its variables are not trainable and its output is behind
	// StopGradient.
	Trainable bool
	// StepScale, when Trainable, scales the encoder's learning rate
	// relative to the rest of the model (0 or 1: the same rate).
	StepScale float64
}

// Frozen is the usual way to reuse the encoder.
var Frozen = Mode{}

// Install puts the encoder's weights into ctx under the "encoder" scope
// (replacing values already there) with the mode's trainability. Apply
// calls it; call it directly to set weights before building any graph.
func (e *Encoder) Install(ctx *context.Context, m Mode) {
	root := ctx.Checked(false)
	for name, t := range e.weights {
		scope, vname := context.VariableScopeAndNameFromParameterName(name)
		c, err := t.Clone()
		if err != nil {
			panic(err)
		}
		sc := root.InAbsPath(scope)
		v := sc.GetVariable(vname)
		if v == nil {
			v = sc.VariableWithValue(vname, c)
		} else {
			v.MustSetValue(c)
		}
		v.SetTrainable(m.Trainable)
	}
	if m.Trainable && m.StepScale > 0 && m.StepScale != 1 {
		ctx.InAbsPath("/"+model.EncoderScope).SetParam(model.ParamStepScale, m.StepScale)
	}
}

// Apply returns the codes [batch, 576] of images [batch, 28, 28, 1] inside
// the caller's graph, with the encoder's variables in ctx's "encoder"
// scope. Install them first (Install) or let Apply do it the first time.
func (e *Encoder) Apply(ctx *context.Context, images *Node, m Mode) *Node {
	if ctx.InAbsPath("/"+model.EncoderScope+"/conv1").GetVariable("weights") == nil {
		e.Install(ctx, m)
	}
	codes := model.Encoder(ctx.InAbsPath("/").Reuse(), images)
	if !m.Trainable {
		codes = StopGradient(codes)
	}
	return codes
}

// Encode encodes n images given as n*784 float32 pixels in [0, 1] (row
// after row, image after image) and returns n*576 code values, on the pure-Go
// backend.
func (e *Encoder) Encode(pixels []float32) ([]float32, error) {
	px := ImageSize * ImageSize
	if len(pixels) == 0 || len(pixels)%px != 0 {
		return nil, fmt.Errorf("encoder.Encode: %d values is not a whole number of 28x28 images (want n*%d float32 pixels in [0, 1])", len(pixels), px)
	}
	t, err := e.EncodeTensor(tensors.FromFlatDataAndDimensions(pixels, len(pixels)/px, ImageSize, ImageSize, 1))
	if err != nil {
		return nil, err
	}
	return tensors.MustCopyFlatData[float32](t), nil
}

// EncodeTensor encodes a float32 tensor [n, 28, 28, 1] into [n, 576].
func (e *Encoder) EncodeTensor(images *tensors.Tensor) (*tensors.Tensor, error) {
	d := images.Shape().Dimensions
	if len(d) != 4 || d[1] != ImageSize || d[2] != ImageSize || d[3] != 1 || images.DType().String() != "Float32" {
		return nil, fmt.Errorf("encoder.EncodeTensor: got %s, want float32 [n, 28, 28, 1]", images.Shape())
	}
	if e.exec == nil {
		be, err := backend.New("go")
		if err != nil {
			return nil, err
		}
		ctx := context.New()
		e.Install(ctx, Frozen)
		ex, err := context.NewExec(be, ctx.Reuse(), func(ctx *context.Context, x *Node) *Node { return model.Encoder(ctx, x) })
		if err != nil {
			return nil, err
		}
		e.be, e.exec = be, ex
	}
	out, err := e.exec.Exec(images)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Weight returns a copy of one loaded weight, e.g. Weight("/encoder/conv2",
// "weights"), or nil if there is none.
func (e *Encoder) Weight(scope, name string) []float32 {
	t, ok := e.weights[context.VariableParameterNameFromScopeAndName(scope, name)]
	if !ok {
		return nil
	}
	return tensors.MustCopyFlatData[float32](t)
}
