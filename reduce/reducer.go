package reduce

import "gonum.org/v1/gonum/mat"

// Reducer maps rows of pixels (one image per row, values in [0, 1]) to
// codes and, where it can, back.
type Reducer interface {
	// Name identifies the representation, e.g. "pca-64" or "autoencoder".
	Name() string
	// Dim is the length of a code.
	Dim() int
	// Fit learns from training rows (a no-op for a pretrained encoder).
	Fit(x *mat.Dense) error
	// Transform returns one code per row.
	Transform(x *mat.Dense) (*mat.Dense, error)
	// Inverse maps codes back to pixels.
	Inverse(codes *mat.Dense) (*mat.Dense, error)
}

// ReconstructionMSE is the mean per-pixel squared error of r's round trip.
func ReconstructionMSE(r Reducer, x *mat.Dense) (float64, error) {
	codes, err := r.Transform(x)
	if err != nil {
		return 0, err
	}
	back, err := r.Inverse(codes)
	if err != nil {
		return 0, err
	}
	return meanSquaredError(x, back), nil
}

// meanSquaredError is the mean squared difference of two same-shaped
// matrices.
func meanSquaredError(a, b *mat.Dense) float64 {
	rows, cols := a.Dims()
	var sum float64
	for i := 0; i < rows; i++ {
		ra, rb := a.RawRowView(i), b.RawRowView(i)
		for j := range ra {
			d := ra[j] - rb[j]
			sum += d * d
		}
	}
	return sum / float64(rows*cols)
}
