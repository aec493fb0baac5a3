package model

import "fmt"

// TrainingFLOPs counts the floating-point operations of the products in
// one training step per image, from the layer shapes (Summary): a
// multiply-add is 2, each layer's products run three times (forward, the
// weights' gradient, the input's gradient) but the first layer's input
// gradient, which training never needs. Products with the zeros a
// strided transposed convolution would insert are not counted: its
// multiply-adds are the input pixels times the kernel (kh x kw x cin x
// cout each). Element-wise operations, pooling and the optimiser are left
// out; they are not products.
func TrainingFLOPs(spec Spec) (float64, error) {
	layers, err := SummaryOf(spec)
	if err != nil {
		return 0, err
	}
	in := []int{spec.Height(), spec.Width(), spec.Channels()} // the map the next convolution reads
	total := 0.0
	for i, l := range layers {
		macs, err := layerMACs(l, in)
		if err != nil {
			return 0, err
		}
		passes := 3.0
		if i == 0 {
			passes = 2
		}
		total += 2 * passes * macs
		if len(l.Dims) == 3 {
			in = l.Dims
		}
	}
	return total, nil
}

// layerMACs is a layer's multiply-adds per image: a convolution's at the
// size it reads (before its pooling), a transposed convolution's per input
// pixel, a dense layer's weights.
func layerMACs(l Layer, in []int) (float64, error) {
	w := l.Weights
	switch len(w) {
	case 2: // dense [in, out]
		return float64(w[0] * w[1]), nil
	case 4: // [kh, kw, cin, cout], on in's height and width
		if len(in) != 3 || in[2] != w[2] {
			return 0, fmt.Errorf("layer %s reads %v, not a map of %d channels", l.Scope, in, w[2])
		}
		return float64(in[0] * in[1] * w[0] * w[1] * w[2] * w[3]), nil
	}
	return 0, fmt.Errorf("layer %s: weights of shape %v", l.Scope, w)
}
