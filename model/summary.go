package model

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/backend"
)

// Layer is one row of the model summary.
type Layer struct {
	Scope  string // the layer's variable scope, e.g. "/encoder/conv1"
	Name   string // what the layer is, as the paper's table writes it
	Output string // channels x height x width, as the paper writes it
	Params int    // values in the variables created in Scope
	// Dims is the output's shape without the batch: [H, W, C] for maps,
	// [values] for vectors; Weights the shape of the scope's "weights"
	// variable ([kh, kw, cin, cout] or [in, out]), nil where it has none.
	Dims    []int
	Weights []int
}

// paramTrace holds the *trace that record appends to while Summary builds
// the model.
const paramTrace = "hourglass_summary_trace"

type trace struct{ layers []Layer }

// record notes a layer's output shape when the model is built for Summary.
func record(ctx *context.Context, x *Node, name string) {
	t := context.GetParamOr[*trace](ctx, paramTrace, nil)
	if t == nil {
		return
	}
	d := x.Shape().Dimensions // NHWC, or [B, values]
	out := fmt.Sprint(d[len(d)-1])
	if len(d) == 4 {
		out = fmt.Sprintf("%dx%dx%d", d[3], d[1], d[2])
	}
	t.layers = append(t.layers, Layer{Scope: ctx.Scope(), Name: name, Output: out, Dims: slices.Clone(d[1:])})
}

// Summary builds the autoencoder's graph (without running it) and lists
// its layers as the paper's table "Slika 3.1" does: output shapes from the
// built graph, parameter counts from the variables the build created.
func Summary() ([]Layer, error) { return SummaryOf(Paper()) }

// SummaryOf is Summary for any model.
func SummaryOf(spec Spec) ([]Layer, error) {
	be, err := backend.New("go")
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	t := &trace{}
	ctx.SetParam(paramTrace, t)
	err = building(func() {
		g := NewGraph(be, "summary")
		x := Parameter(g, "images", shapes.Make(dtypes.Float32, 1, spec.Input[0], spec.Input[1], spec.Input[2]))
		if spec.IsVAE() {
			spec.VAE(ctx, x)
		} else {
			spec.Autoencoder(ctx, x)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("building the model: %w", err)
	}
	perScope := map[string]int{}
	weights := map[string][]int{}
	for v := range ctx.IterVariables() {
		if v.Trainable {
			perScope[v.Scope()] += v.Shape().Size()
			if v.Name() == "weights" {
				weights[v.Scope()] = slices.Clone(v.Shape().Dimensions)
			}
		}
	}
	for i := range t.layers {
		t.layers[i].Params = perScope[t.layers[i].Scope]
		t.layers[i].Weights = weights[t.layers[i].Scope]
	}
	return t.layers, nil
}

// Parameters is the autoencoder's number of trainable values (43,889).
func Parameters() int {
	layers, err := Summary()
	if err != nil {
		panic(err) // the pure-Go backend is compiled in; building the seed model cannot fail
	}
	return TotalParams(layers)
}

// TotalParams sums the parameters of a summary.
func TotalParams(layers []Layer) int {
	n := 0
	for _, l := range layers {
		n += l.Params
	}
	return n
}

// WriteSummary prints the layer table and the total.
func WriteSummary(w io.Writer, layers []Layer) {
	fmt.Fprintf(w, "%-42s %-9s %8s\n", "layer", "output", "params")
	fmt.Fprintln(w, strings.Repeat("-", 61))
	for _, l := range layers {
		fmt.Fprintf(w, "%-42s %-9s %8s\n", l.Name, l.Output, thousands(l.Params))
	}
	fmt.Fprintln(w, strings.Repeat("-", 61))
	fmt.Fprintf(w, "%-42s %-9s %8s\n", "total", "", thousands(TotalParams(layers)))
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// EncoderShapes builds the autoencoder's encoder and returns the shape of
// each variable it creates, by parameter name ("/encoder/conv1/weights"
// -> [3 3 1 16]): what a checkpoint must hold to be this model's encoder.
func EncoderShapes() (map[string][]int, error) { return EncoderShapesOf(Paper()) }

// EncoderShapesOf is EncoderShapes for any model.
func EncoderShapesOf(spec Spec) (map[string][]int, error) {
	be, err := backend.New("go")
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	err = building(func() {
		x := Parameter(NewGraph(be, "shapes"), "images", shapes.Make(dtypes.Float32, 1, spec.Input[0], spec.Input[1], spec.Input[2]))
		spec.Encoder(ctx, x)
	})
	if err != nil {
		return nil, fmt.Errorf("building the encoder: %w", err)
	}
	out := map[string][]int{}
	for v := range ctx.IterVariables() {
		if v.Trainable {
			out[v.ParameterName()] = v.Shape().Dimensions
		}
	}
	return out, nil
}

// building runs f, turning a panic of graph building (GoMLX reports build
// errors by panicking) into an error.
func building(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}
