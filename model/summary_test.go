package model

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// paperTable is the seed paper's table "Slika 3.1" (see shared/DESIGN.md):
// an independent statement of the model, to check the built one against.
var paperTable = []struct {
	scope, name, output string
	params              int
}{
	{"/encoder/conv1", "Conv2d 3x3, 16, same + ReLU + MaxPool 2", "16x14x14", 160},
	{"/encoder/conv2", "Conv2d 3x3, 32, same + ReLU + MaxPool 2", "32x7x7", 4640},
	{"/encoder/conv3", "Conv2d 3x3, 64, same + ReLU + MaxPool 2", "64x3x3", 18496},
	{"/decoder/deconv1", "ConvTranspose2d 3x3, stride 2, 32 + ReLU", "32x7x7", 18464},
	{"/decoder/deconv2", "ConvTranspose2d 2x2, stride 2, 16 + ReLU", "16x14x14", 2064},
	{"/decoder/deconv3", "ConvTranspose2d 2x2, stride 2, 1 + ReLU", "1x28x28", 65},
}

// TestSummaryMatchesPaper: the summary, derived from the built graph and
// its variables, against the paper's table.
func TestSummaryMatchesPaper(t *testing.T) {
	rows, err := Summary()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(paperTable) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(paperTable), rows)
	}
	for i, want := range paperTable {
		r := rows[i]
		if r.Scope != want.scope || r.Name != want.name || r.Output != want.output || r.Params != want.params {
			t.Errorf("row %d: %+v, want %+v", i, r, want)
		}
	}
	if n := TotalParams(rows); n != 43889 || Parameters() != 43889 {
		t.Errorf("total %d (Parameters %d), want 43,889", n, Parameters())
	}
	var buf bytes.Buffer
	WriteSummary(&buf, rows)
	if !strings.Contains(buf.String(), "43,889") {
		t.Errorf("printed summary lacks the total:\n%s", buf.String())
	}
}

// TestSummaryFollowsTheModel: a change to the architecture table shows in
// the summary (it is derived, not typed out).
func TestSummaryFollowsTheModel(t *testing.T) {
	spec := Paper()
	spec.Filters = []int{8, 32, 64}
	rows, err := SummaryOf(spec)
	if err != nil {
		t.Fatal(err)
	}
	// conv1: 3*3*1*8 + 8 = 80; conv2: 3*3*8*32 + 32 = 2336.
	if rows[0].Output != "8x14x14" || rows[0].Params != 80 || rows[1].Params != 2336 {
		t.Errorf("with 8 first filters: %+v %+v", rows[0], rows[1])
	}
}

// TestEncoderShapes: the variables a checkpoint must hold for the encoder
// (shapes worked out from the paper's table: k x k x in x out, and out).
func TestEncoderShapes(t *testing.T) {
	s, err := EncoderShapes()
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]string{
		{"/encoder/conv1", "weights"}: "[3 3 1 16]", {"/encoder/conv1", "biases"}: "[16]",
		{"/encoder/conv2", "weights"}: "[3 3 16 32]", {"/encoder/conv2", "biases"}: "[32]",
		{"/encoder/conv3", "weights"}: "[3 3 32 64]", {"/encoder/conv3", "biases"}: "[64]",
	}
	for k, dims := range want {
		name := context.VariableParameterNameFromScopeAndName(k[0], k[1])
		if got := fmt.Sprint(s[name]); got != dims {
			t.Errorf("%s: %s, want %s", name, got, dims)
		}
	}
	if len(s) != len(want) {
		t.Errorf("%d encoder variables, want %d: %v", len(s), len(want), s)
	}
}

// TestSummaryMatchesVariables builds and runs the model and counts the
// parameters GoMLX actually created, per layer scope.
func TestSummaryMatchesVariables(t *testing.T) {
	ctx := seeded(t, 1)
	x := tensors.FromFlatDataAndDimensions(make([]float32, 2*784), 2, 28, 28, 1)
	out, err := context.ExecOnce(goBackend(t), ctx, func(ctx *context.Context, x *Node) *Node { return Paper().Autoencoder(ctx, x) }, x)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Shape().Dimensions; len(got) != 4 || got[1] != 28 || got[3] != 1 {
		t.Fatalf("output dims %v", got)
	}
	perScope := map[string]int{}
	total := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			perScope[v.Scope()] += v.Shape().Size()
			total += v.Shape().Size()
		}
	}
	for _, row := range paperTable {
		if perScope[row.scope] != row.params {
			t.Errorf("%s: %d parameters, want %d", row.scope, perScope[row.scope], row.params)
		}
	}
	if total != 43889 {
		t.Errorf("model has %d trainable parameters, want 43,889", total)
	}
}
