package results

import (
	"fmt"
	"strconv"
)

// Kind is a family of representations.
type Kind string

// The representations compared.
const (
	Pixels      Kind = "pixels"      // the raw values of the model's input (784 for 28x28 grey)
	PCA         Kind = "pca"         // gonum PCA codes, Dim components
	Autoencoder Kind = "autoencoder" // the pretrained encoder's codes (576 values for the paper's model)
	VAE         Kind = "vae"         // a VAE's posterior means, Dim latent values
)

// Rep names one representation: a kind and, for PCA, its size.
type Rep struct {
	Kind Kind `json:"kind"`
	Dim  int  `json:"dim"`
}

// PixelsRep, PCARep and AutoencoderRep build the names.
func PixelsRep() Rep             { return Rep{Pixels, 784} }
func PCARep(k int) Rep           { return Rep{PCA, k} }
func AutoencoderRep(dim int) Rep { return Rep{Autoencoder, dim} }
func VAERep(latent int) Rep      { return Rep{VAE, latent} }

// Name is the representation's file-safe name: "pixels", "pca-64",
// "autoencoder".
func (r Rep) Name() string {
	if r.Kind == PCA || r.Kind == VAE {
		return string(r.Kind) + "-" + strconv.Itoa(r.Dim)
	}
	return string(r.Kind)
}

// String is Name.
func (r Rep) String() string { return r.Name() }

// Label names the representation for people.
func (r Rep) Label() string {
	switch r.Kind {
	case Pixels:
		return "raw pixels"
	case PCA:
		return fmt.Sprintf("PCA with %d components", r.Dim)
	case Autoencoder:
		return "the autoencoder codes"
	case VAE:
		return fmt.Sprintf("the VAE's %d-value mean codes", r.Dim)
	}
	return string(r.Kind)
}
