package model

import (
	"errors"
	"fmt"
	"slices"
)

// Kinds of model.
const (
	KindAE  = "ae"  // the autoencoder, trained on the per-pixel MSE
	KindVAE = "vae" // the variational autoencoder, trained on the ELBO
)

// DefaultLatent is the VAE's latent size when Spec.Code is 0.
const DefaultLatent = 16

// MaxDepth is the most convolution blocks a model may have.
const MaxDepth = 5

// Spec is a model's architecture: its kind, its input, one encoder block
// per entry of Filters, and its code. The zero Code keeps the last block's
// map as the autoencoder's code (the paper's 3x3x64 = 576 values), or
// gives the VAE DefaultLatent latent dimensions; a positive Code adds a
// dense bottleneck of that many values (linear, as PCA's read-out), or is
// the VAE's latent size. The decoder mirrors the encoder.
type Spec struct {
	Kind    string `json:"kind"`
	Input   [3]int `json:"input"` // height, width, channels
	Filters []int  `json:"filters"`
	Code    int    `json:"code"`
}

// Paper is the seed paper's autoencoder (table "Slika 3.1"): 28x28 grey
// images, blocks of 16, 32 and 64 filters, the 576-value map as code.
func Paper() Spec {
	return Spec{Kind: KindAE, Input: [3]int{ImageSize, ImageSize, 1}, Filters: []int{16, 32, 64}}
}

// PaperVAE is the paper's hourglass with a latent-dimension Gaussian
// bottleneck (0: DefaultLatent).
func PaperVAE(latent int) Spec {
	s := Paper()
	s.Kind, s.Code = KindVAE, latent
	return s
}

// IsVAE says whether the spec is a variational autoencoder.
func (s Spec) IsVAE() bool { return s.Kind == KindVAE }

// Depth is the number of convolution blocks.
func (s Spec) Depth() int { return len(s.Filters) }

// Height, Width and Channels are the input's.
func (s Spec) Height() int   { return s.Input[0] }
func (s Spec) Width() int    { return s.Input[1] }
func (s Spec) Channels() int { return s.Input[2] }

// Values is the number of values in one input image.
func (s Spec) Values() int { return s.Input[0] * s.Input[1] * s.Input[2] }

// Level is the spatial size after the first i blocks (level 0 is the
// input): each 2x2 pooling halves it, dropping an odd last row or column.
func (s Spec) Level(i int) (h, w int) {
	h, w = s.Input[0], s.Input[1]
	for range i {
		h, w = h/2, w/2
	}
	return h, w
}

// MapSize is the number of values in the last block's map.
func (s Spec) MapSize() int {
	h, w := s.Level(s.Depth())
	return h * w * s.Filters[s.Depth()-1]
}

// Latent is the VAE's number of latent dimensions.
func (s Spec) Latent() int {
	if s.Code > 0 {
		return s.Code
	}
	return DefaultLatent
}

// CodeSize is the length of a code: the VAE's latent size (its posterior
// mean), the dense bottleneck's size, or the last block's map.
func (s Spec) CodeSize() int {
	switch {
	case s.IsVAE():
		return s.Latent()
	case s.Code > 0:
		return s.Code
	}
	return s.MapSize()
}

// Deconv is one transposed convolution of the decoder, with stride 2: a
// 2x2 kernel doubles a size, a 3x3 one takes n to 2n+1 (restoring the row
// or column an odd size lost to pooling); KernelH and KernelW differ where
// only one axis was odd.
type Deconv struct{ Filters, KernelH, KernelW int }

// Deconvs lists the decoder's transposed convolutions, from the last
// block's map back to the input: each restores one level's exact size and
// has the channels of the block below it (the input's for the last).
func (s Spec) Deconvs() []Deconv {
	d := s.Depth()
	out := make([]Deconv, d)
	for j := range d {
		from, to := d-j, d-j-1
		fh, fw := s.Level(from)
		th, tw := s.Level(to)
		filters := s.Input[2]
		if to > 0 {
			filters = s.Filters[to-1]
		}
		out[j] = Deconv{Filters: filters, KernelH: th - 2*fh + 2, KernelW: tw - 2*fw + 2}
	}
	return out
}

// MinInput is the smallest height or width a model of depth blocks takes:
// every pooling needs at least 2 rows and columns.
func MinInput(depth int) int { return 1 << depth }

// Problem is one thing wrong with a Spec: its config key (under model.),
// the value and what is allowed.
type Problem struct {
	Key     string
	Value   any
	Allowed string
}

func (p Problem) Error() string { return fmt.Sprintf("model.%s = %v: %s", p.Key, p.Value, p.Allowed) }

// Problems lists what is wrong with the spec (nothing for a valid one).
func (s Spec) Problems() []Problem {
	var out []Problem
	bad := func(key string, val any, allowed string) { out = append(out, Problem{key, val, allowed}) }
	if s.Kind != KindAE && s.Kind != KindVAE {
		bad("kind", s.Kind, `"ae" or "vae"`)
	}
	d := s.Depth()
	switch {
	case d == 0:
		bad("filters", "[]", fmt.Sprintf("1 to %d blocks, e.g. [16, 32, 64]", MaxDepth))
	case d > MaxDepth:
		bad("filters", s.Filters, fmt.Sprintf("%d blocks; 1 to %d", d, MaxDepth))
	case slices.Min(s.Filters) < 1:
		bad("filters", s.Filters, "every block needs at least 1 filter")
	}
	if c := s.Input[2]; c != 1 && c != 3 {
		bad("input", s.Input[:], fmt.Sprintf("%d channels; 1 (grey) or 3 (colour)", c))
	}
	if d >= 1 && d <= MaxDepth {
		if m := MinInput(d); s.Input[0] < m || s.Input[1] < m {
			bad("input", s.Input[:], fmt.Sprintf("%dx%d is too small for %d blocks: each 2x2 pooling needs at least 2x2, so the smallest input is %dx%d (or use fewer blocks)",
				s.Input[0], s.Input[1], d, m, m))
		}
	}
	if s.Code < 0 {
		bad("code", s.Code, "0 (the last block's map; for a VAE, 16 latent values) or a positive size")
	}
	if len(out) == 0 && !s.IsVAE() && s.Code > s.MapSize() {
		bad("code", s.Code, fmt.Sprintf("larger than the last block's map (%d values): a bottleneck must not widen; at most %d, or 0 for the map itself", s.MapSize(), s.MapSize()))
	}
	return out
}

// Validate checks the spec: an error listing its Problems, or nil.
func (s Spec) Validate() error {
	var errs []error
	for _, p := range s.Problems() {
		errs = append(errs, p)
	}
	return errors.Join(errs...)
}

// String describes the architecture in one line, e.g.
// "ae 28x28x1 [16 32 64] map 576", "ae 28x28x1 [16 32 64] dense 16" or
// "vae 28x28x1 [16 32 64] latent 16".
func (s Spec) String() string {
	code := fmt.Sprintf("map %d", s.CodeSize())
	switch {
	case s.IsVAE():
		code = fmt.Sprintf("latent %d", s.Latent())
	case s.Code > 0:
		code = fmt.Sprintf("dense %d", s.Code)
	}
	return fmt.Sprintf("%s %dx%dx%d %v %s", s.Kind, s.Input[0], s.Input[1], s.Input[2], s.Filters, code)
}

// Equal says whether two specs build the same model (an autoencoder's
// map as code and a dense code of the map's size are different models; a
// VAE's code 0 and 16 are the same).
func (s Spec) Equal(o Spec) bool {
	same := s.Kind == o.Kind && s.Input == o.Input && slices.Equal(s.Filters, o.Filters)
	if s.IsVAE() {
		return same && s.Latent() == o.Latent()
	}
	return same && s.Code == o.Code
}
