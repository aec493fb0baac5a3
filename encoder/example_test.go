package encoder_test

import (
	"fmt"
	"log"
	"os"
	"reflect"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
)

// A downstream classifier on the frozen encoder: load the encoder, stack a
// linear layer on its codes in your own GoMLX graph, train, and the
// encoder's weights stay exactly as loaded.
func Example() {
	tmp, err := os.MkdirTemp("", "hourglass-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	dir, err := makeCheckpoint(tmp) // a pretrain folder, e.g. runs/quickstart/pretrain
	if err != nil {
		log.Fatal(err)
	}
	enc, err := encoder.Load(dir)
	if err != nil {
		log.Fatal(err)
	}
	be, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.New()
	enc.Install(ctx, encoder.Frozen)
	before := ctx.InAbsPath("/encoder/conv2").GetVariable("weights").MustValue()
	beforeVals := tensors.MustCopyFlatData[float32](before)

	classifier := func(ctx *context.Context, _ any, in []*Node) []*Node {
		codes := enc.Apply(ctx, in[0], encoder.Frozen) // [batch, 576]
		w := ctx.In("head").VariableWithShape("w", shapes.Make(dtypes.Float32, enc.CodeSize(), 10)).ValueGraph(codes.Graph())
		return []*Node{Dot(codes, w)} // logits [batch, 10]
	}
	trainer := train.NewTrainer(be, ctx, classifier, losses.SparseCategoricalCrossEntropyLogits, optimizers.Adam().Done(), nil, nil)
	set := data.Synthetic(40, 7)
	images := tensors.FromFlatDataAndDimensions(set.Images, 40, 28, 28, 1)
	labels := make([]int32, 40)
	for i, l := range set.Labels {
		labels[i] = int32(l)
	}
	lab := tensors.FromFlatDataAndDimensions(labels, 40, 1)
	for step := 0; step < 3; step++ {
		if _, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{lab}); err != nil {
			log.Fatal(err)
		}
	}
	after := tensors.MustCopyFlatData[float32](ctx.InAbsPath("/encoder/conv2").GetVariable("weights").MustValue())
	fmt.Println("encoder weights unchanged:", reflect.DeepEqual(beforeVals, after))
	fmt.Println("head trainable:", ctx.InAbsPath("/head").GetVariable("w").Trainable)
	fmt.Println("encoder trainable:", ctx.InAbsPath("/encoder/conv2").GetVariable("weights").Trainable)
	// Output:
	// encoder weights unchanged: true
	// head trainable: true
	// encoder trainable: false
}
