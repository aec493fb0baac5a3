package model

import (
	"fmt"
	"io"
	"strings"
)

// Layer is one row of the model summary.
type Layer struct {
	Name   string
	Output string // channels x height x width, as the paper writes it
	Params int
}

// Summary lists the seed model's layers as the paper's table "Slika 3.1"
// does. The counts are computed from the layer shapes, the same shapes
// Encoder and Decoder create variables with.
func Summary() []Layer {
	conv := func(cin, cout, k int) int { return k*k*cin*cout + cout }
	return []Layer{
		{"Conv2d 3x3, 16, same + ReLU + MaxPool 2", "16x14x14", conv(1, 16, 3)},
		{"Conv2d 3x3, 32, same + ReLU + MaxPool 2", "32x7x7", conv(16, 32, 3)},
		{"Conv2d 3x3, 64, same + ReLU + MaxPool 2", "64x3x3", conv(32, 64, 3)},
		{"ConvTranspose2d 3x3, stride 2, 32 + ReLU", "32x7x7", conv(64, 32, 3)},
		{"ConvTranspose2d 2x2, stride 2, 16 + ReLU", "16x14x14", conv(32, 16, 2)},
		{"ConvTranspose2d 2x2, stride 2, 1 + ReLU", "1x28x28", conv(16, 1, 2)},
	}
}

// TotalParams sums the parameters of Summary.
func TotalParams(layers []Layer) int {
	n := 0
	for _, l := range layers {
		n += l.Params
	}
	return n
}

// WriteSummary prints the layer table and the total.
func WriteSummary(w io.Writer, layers []Layer) {
	fmt.Fprintf(w, "%-42s %-9s %8s\n", "layer", "output", "params")
	fmt.Fprintln(w, strings.Repeat("-", 61))
	for _, l := range layers {
		fmt.Fprintf(w, "%-42s %-9s %8s\n", l.Name, l.Output, thousands(l.Params))
	}
	fmt.Fprintln(w, strings.Repeat("-", 61))
	fmt.Fprintf(w, "%-42s %-9s %8s\n", "total", "", thousands(TotalParams(layers)))
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
