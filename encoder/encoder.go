// Package encoder lets other Go programs reuse hourglass's pretrained
// encoder: load it from a pretrain checkpoint, apply it inside their own
// GoMLX graph (frozen, or trainable at a chosen pace) to stack their own
// layers on its codes, or encode plain Go slices. The architecture is read
// from the checkpoint (Spec): the paper's autoencoder takes 28x28 grey
// images and its codes are 576 values; other models take their own input
// size and channels, and a VAE's codes are the means of its posterior.
package encoder

import (
	"fmt"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/model"
)

// Encoder holds the pretrained encoder's weights.
type Encoder struct {
	weights map[string]*tensors.Tensor // "/encoder/conv1/weights" -> value
	spec    model.Spec
	source  string
	mu      sync.Mutex
	execs   map[backends.Backend]*context.Exec
	goBE    backends.Backend // EncodeTensor's backend, made once
}

// Load reads the encoder from a pretrained model: an experiment's output
// folder (runs/<name>), its pretrain folder, or a checkpoint folder in it.
func Load(path string) (*Encoder, error) {
	spec, _, err := engine.ReadSpec(path)
	if err != nil {
		return nil, fmt.Errorf("encoder.Load: %w", err)
	}
	vars, dir, err := engine.ReadVariables(path)
	if err != nil {
		return nil, fmt.Errorf("encoder.Load: %w", err)
	}
	e := &Encoder{weights: map[string]*tensors.Tensor{}, source: dir, spec: spec}
	for name, t := range vars {
		scope, vname := context.VariableScopeAndNameFromParameterName(name)
		if strings.HasPrefix(scope, "/"+model.EncoderScope+"/") && !strings.HasSuffix(vname, "_anchor") {
			e.weights[name] = t
		}
	}
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("encoder.Load(%q): %w", dir, err)
	}
	return e, nil
}

// check verifies the loaded weights are the encoder of the checkpoint's
// architecture, shape by shape against the variables the model creates.
func (e *Encoder) check() error {
	want, err := model.EncoderShapesOf(e.spec)
	if err != nil {
		return err
	}
	for name, dims := range want {
		t, ok := e.weights[name]
		if !ok {
			return fmt.Errorf("no variable %s: not an hourglass autoencoder checkpoint (run `hourglass pretrain`)", name)
		}
		if fmt.Sprint(t.Shape().Dimensions) != fmt.Sprint(dims) {
			return fmt.Errorf("variable %s has shape %v, want %v", name, t.Shape().Dimensions, dims)
		}
	}
	return nil
}

// Source is the checkpoint folder the weights came from.
func (e *Encoder) Source() string { return e.source }

// Spec is the architecture of the model the encoder comes from.
func (e *Encoder) Spec() model.Spec { return e.spec }

// CodeSize is the length of a code: 576 for the paper's autoencoder, the
// model's code or a VAE's latent dimensions otherwise.
func (e *Encoder) CodeSize() int { return e.spec.CodeSize() }

// Input is the images' [height, width, channels] the encoder takes.
func (e *Encoder) Input() [3]int { return e.spec.Input }

// Codes builds the encoder's codes of images inside a graph: an
// autoencoder's code, or a VAE's posterior mean.
func Codes(ctx *context.Context, images *Node, spec model.Spec) *Node {
	return spec.Encoder(ctx, images)
}

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
	e.setWeights(ctx, m, func(string) bool { return true })
	if m.Trainable && m.StepScale > 0 && m.StepScale != 1 {
		ctx.InAbsPath("/"+model.EncoderScope).SetParam(model.ParamStepScale, m.StepScale)
	}
}

// Apply returns the codes [batch, CodeSize()] of images [batch, 28, 28, 1] inside
// the caller's graph, with the encoder's variables in ctx's "encoder"
// scope. Install them first (Install) or let Apply do it the first time.
func (e *Encoder) Apply(ctx *context.Context, images *Node, m Mode) *Node {
	if ctx.InAbsPath("/"+model.EncoderScope+"/conv1").GetVariable("weights") == nil {
		e.Install(ctx, m)
	}
	codes := Codes(ctx.InAbsPath("/").Reuse(), images, e.spec)
	if !m.Trainable {
		codes = StopGradient(codes)
	}
	return codes
}

// Encode encodes n images given as float32 values in [0, 1] (height x
// width x channels each, row after row, channels last, image after image:
// n*784 for the paper's 28x28 grey model) and returns n*CodeSize() code
// values, on the pure-Go backend.
func (e *Encoder) Encode(pixels []float32) ([]float32, error) {
	in := e.spec.Input
	px := in[0] * in[1] * in[2]
	if len(pixels) == 0 || len(pixels)%px != 0 {
		return nil, fmt.Errorf("encoder.Encode: %d values is not a whole number of %dx%dx%d images (want n*%d float32 values in [0, 1])", len(pixels), in[0], in[1], in[2], px)
	}
	t, err := e.EncodeTensor(tensors.FromFlatDataAndDimensions(pixels, len(pixels)/px, in[0], in[1], in[2]))
	if err != nil {
		return nil, err
	}
	return tensors.MustCopyFlatData[float32](t), nil
}

// EncodeTensor encodes a float32 tensor [n, height, width, channels] into
// [n, CodeSize()] on the pure-Go backend.
func (e *Encoder) EncodeTensor(images *tensors.Tensor) (*tensors.Tensor, error) {
	e.mu.Lock()
	if e.goBE == nil {
		be, err := backend.New("go")
		if err != nil {
			e.mu.Unlock()
			return nil, err
		}
		e.goBE = be
	}
	be := e.goBE
	e.mu.Unlock()
	return e.EncodeWith(be, images)
}

// EncodeWith encodes a float32 tensor [n, height, width, channels] into
// [n, CodeSize()] on a given backend (the graph is compiled once per
// backend and shape).
func (e *Encoder) EncodeWith(be backends.Backend, images *tensors.Tensor) (*tensors.Tensor, error) {
	d, in := images.Shape().Dimensions, e.spec.Input
	if len(d) != 4 || d[1] != in[0] || d[2] != in[1] || d[3] != in[2] || images.DType().String() != "Float32" {
		return nil, fmt.Errorf("encoder.EncodeTensor: got %s, want float32 [n, %d, %d, %d] (the model's input)", images.Shape(), in[0], in[1], in[2])
	}
	e.mu.Lock()
	ex, ok := e.execs[be]
	if !ok {
		ctx := context.New()
		e.Install(ctx, Frozen)
		var err error
		ex, err = context.NewExec(be, ctx.Reuse(), func(ctx *context.Context, x *Node) *Node { return Codes(ctx, x, e.spec) })
		if err != nil {
			e.mu.Unlock()
			return nil, err
		}
		if e.execs == nil {
			e.execs = map[backends.Backend]*context.Exec{}
		}
		e.execs[be] = ex
	}
	e.mu.Unlock()
	out, err := ex.Exec(images)
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

// setWeights puts the weights whose scope keep accepts into ctx (replacing
// values already there) with the mode's trainability.
func (e *Encoder) setWeights(ctx *context.Context, m Mode, keep func(scope string) bool) {
	root := ctx.Checked(false)
	for name, t := range e.weights {
		scope, vname := context.VariableScopeAndNameFromParameterName(name)
		if !keep(scope) {
			continue
		}
		c, err := t.Clone()
		if err != nil {
			panic(err)
		}
		sc := root.InAbsPath(scope)
		v := sc.GetVariable(vname)
		if v == nil {
			v = sc.VariableWithValue(vname, c)
		} else if err := v.SetValue(c); err != nil {
			panic(err)
		}
		v.SetTrainable(m.Trainable)
	}
}
