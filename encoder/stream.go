package encoder

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
)

// EncodeStream encodes every image of a stream, batch images at a time on
// be, and hands each batch's codes (n*CodeSize() values) to emit: only one
// batch of images and codes is in memory at once.
func (e *Encoder) EncodeStream(ctx context.Context, be backends.Backend, s data.Stream, batch int, emit func(codes []float32, n int) error) error {
	if batch < 1 {
		return fmt.Errorf("encoder.EncodeStream: batch %d; want 1 or more", batch)
	}
	in := e.spec.Input
	if got := s.Shape(); got != data.Shape(in) {
		return fmt.Errorf("encoder.EncodeStream: the stream gives %s images, the model takes %s", got, data.Shape(in))
	}
	px := make([]float32, 0, batch*data.Shape(in).Values())
	for done := 0; done < s.Len(); {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(batch, s.Len()-done)
		var err error
		if px, err = s.Next(px[:0], n); err != nil {
			return err
		}
		codes, err := e.EncodeWith(be, tensors.FromFlatDataAndDimensions(px, n, in[0], in[1], in[2]))
		if err != nil {
			return err
		}
		if err := emit(tensors.MustCopyFlatData[float32](codes), n); err != nil {
			return err
		}
		done += n
	}
	return nil
}
