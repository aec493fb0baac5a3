package reduce

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
)

// Autoencoder is the pretrained encoder (and decoder) as a Reducer.
type Autoencoder struct {
	Engine *engine.Engine
	Batch  int // images per encoder call
}

// Rep is the autoencoder's code (576 values for the paper's model), or a
// VAE's mean code.
func (a *Autoencoder) Rep() results.Rep {
	if a.Engine.Options().IsVAE() {
		return results.VAERep(a.Engine.CodeSize())
	}
	return results.AutoencoderRep(a.Engine.CodeSize())
}

// Fit does nothing: the encoder was trained by pretrain.
func (a *Autoencoder) Fit(*mat.Dense) error { return nil }

// Transform encodes rows of images (the model's input's values each) in
// batches.
func (a *Autoencoder) Transform(x *mat.Dense) (*mat.Dense, error) {
	spec := a.Engine.Spec()
	if _, d := x.Dims(); d != spec.Values() {
		return nil, fmt.Errorf("autoencoder: rows of %d values, want %d (%s images)", d, spec.Values(), data.Shape(spec.Input))
	}
	return a.batched(x, a.Engine.CodeSize(), func(rows []float32, m int) (*tensors.Tensor, error) {
		return a.Engine.Encode(a.Engine.Images(rows))
	})
}

// Inverse decodes codes back to pixels.
func (a *Autoencoder) Inverse(codes *mat.Dense) (*mat.Dense, error) {
	if _, d := codes.Dims(); d != a.Engine.CodeSize() {
		return nil, fmt.Errorf("autoencoder: codes of %d values, want %d", d, a.Engine.CodeSize())
	}
	return a.batched(codes, a.Engine.Spec().Values(), func(rows []float32, m int) (*tensors.Tensor, error) {
		return a.Engine.Decode(tensors.FromFlatDataAndDimensions(rows, m, a.Engine.CodeSize()))
	})
}

// batched runs f over row batches of x and gathers outCols values per row.
func (a *Autoencoder) batched(x *mat.Dense, outCols int, f func([]float32, int) (*tensors.Tensor, error)) (*mat.Dense, error) {
	batch := a.Batch
	if batch <= 0 {
		batch = 500
	}
	n, d := x.Dims()
	out := mat.NewDense(n, outCols, nil)
	buf := make([]float32, 0, batch*d)
	for from := 0; from < n; from += batch {
		to := min(from+batch, n)
		buf = buf[:0]
		for i := from; i < to; i++ {
			for _, v := range x.RawRowView(i) {
				buf = append(buf, float32(v))
			}
		}
		t, err := f(buf, to-from)
		if err != nil {
			return nil, err
		}
		vals := tensors.MustCopyFlatData[float32](t)
		for i := from; i < to; i++ {
			row := out.RawRowView(i)
			for j := range row {
				row[j] = float64(vals[(i-from)*outCols+j])
			}
		}
	}
	return out, nil
}
