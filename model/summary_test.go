package model

import (
	"bytes"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// paperTable is the seed paper's table "Slika 3.1" (see shared/DESIGN.md).
var paperTable = []struct {
	output string
	params int
}{
	{"16x14x14", 160}, {"32x7x7", 4640}, {"64x3x3", 18496},
	{"32x7x7", 18464}, {"16x14x14", 2064}, {"1x28x28", 65},
}

func TestSummaryMatchesPaper(t *testing.T) {
	rows := Summary()
	if len(rows) != len(paperTable) {
		t.Fatalf("%d rows, want %d", len(rows), len(paperTable))
	}
	for i, want := range paperTable {
		if rows[i].Output != want.output || rows[i].Params != want.params {
			t.Errorf("row %d: %s %d, want %s %d", i, rows[i].Output, rows[i].Params, want.output, want.params)
		}
	}
	if n := TotalParams(rows); n != 43889 {
		t.Errorf("total %d, want 43,889", n)
	}
	var buf bytes.Buffer
	WriteSummary(&buf, rows)
	if !strings.Contains(buf.String(), "43,889") {
		t.Errorf("printed summary lacks the total:\n%s", buf.String())
	}
}

// TestSummaryMatchesVariables builds the model and counts the parameters
// GoMLX actually created, per layer scope.
func TestSummaryMatchesVariables(t *testing.T) {
	ctx := context.New()
	ctx.SetRNGStateFromSeed(1)
	x := tensors.FromFlatDataAndDimensions(make([]float32, 2*784), 2, 28, 28, 1)
	out, err := context.ExecOnce(goBackend(t), ctx, func(ctx *context.Context, x *Node) *Node { return Autoencoder(ctx, x) }, x)
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
	scopes := []string{"/encoder/conv1", "/encoder/conv2", "/encoder/conv3", "/decoder/deconv1", "/decoder/deconv2", "/decoder/deconv3"}
	for i, s := range scopes {
		if perScope[s] != paperTable[i].params {
			t.Errorf("%s: %d parameters, want %d", s, perScope[s], paperTable[i].params)
		}
	}
	if total != 43889 {
		t.Errorf("model has %d trainable parameters, want 43,889", total)
	}
}
