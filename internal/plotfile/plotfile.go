// Package plotfile saves gonum plots as PNG files atomically.
package plotfile

import (
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/hourglass-ml/hourglass/internal/atomicfile"
)

// Save renders p at w x h into path (PNG), through a temporary file.
func Save(p *plot.Plot, path string, w, h vg.Length) error {
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(wr io.Writer) error { _, err := wt.WriteTo(wr); return err })
}
