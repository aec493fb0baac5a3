package reduce

import (
	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
	"github.com/hourglass-ml/hourglass/internal/numeric/pca"
)

// Reducer maps rows of pixels (one image per row, values in [0, 1]) to
// codes and, where it can, back.
type Reducer interface {
	// Rep names the representation (its kind and code length).
	Rep() results.Rep
	// Fit learns from training rows (a no-op for a pretrained encoder).
	Fit(x *mat.Dense) error
	// Transform returns one code per row.
	Transform(x *mat.Dense) (*mat.Dense, error)
	// Inverse maps codes back to pixels.
	Inverse(codes *mat.Dense) (*mat.Dense, error)
}

// ReconstructionMSE is the mean per-pixel squared error of r's round trip.
func ReconstructionMSE(r Reducer, x *mat.Dense) (float64, error) {
	c, err := r.Transform(x)
	if err != nil {
		return 0, err
	}
	back, err := r.Inverse(c)
	if err != nil {
		return 0, err
	}
	return codes.MeanSquaredError(x, back), nil
}

// PCA is gonum PCA (package internal/numeric/pca) as a Reducer.
type PCA struct{ *pca.PCA }

// NewPCA returns an unfitted PCA keeping k components.
func NewPCA(k int) PCA { return PCA{pca.New(k)} }

// Rep is PCA with K components.
func (p PCA) Rep() results.Rep { return results.PCARep(p.K) }
