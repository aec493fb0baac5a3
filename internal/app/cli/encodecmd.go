package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/encoder"
	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/base/npy"
	"github.com/hourglass-ml/hourglass/internal/base/progress"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
)

// NewEncodeCommand applies a pretrained encoder to images outside any
// experiment.
func NewEncodeCommand(g *globalFlags) *cobra.Command {
	var from, input, output, format string
	var batch int
	c := &cobra.Command{
		Use:   "encode --from RUN --input PATH --output FILE",
		Short: "Encode images with a pretrained encoder into a .npy or CSV file of codes",
		Long: `encode applies the frozen encoder of a pretrained experiment (--from: its
output folder, its pretrain folder or a checkpoint) to images and writes one
code per image: the model's code (576 values for the paper's autoencoder), the posterior means for a
VAE. --input is a folder of images (searched recursively; png, jpg, gif),
a .npy file of images ([N, H, W] grey, [N, H, W, 3] colour, or flattened
rows; uint8 or float in [0, 1]) or an IDX images file. Images are converted
to the encoder's input as data sources are: resized to its height and
width, kept in colour when it takes 3 channels, luminance only when it
takes 1; the last line says what was converted. Images stream through in batches, so inputs larger than memory
are fine. Beside the output, <output>.files.txt lists the input of each row.
The output is written to a temporary name and renamed when complete.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || input == "" || output == "" {
				return fmt.Errorf("--from, --input and --output are all needed, e.g. hourglass encode --from runs/quickstart --input images/ --output codes.npy")
			}
			if format == "" {
				format = "npy"
				if strings.EqualFold(filepath.Ext(output), ".csv") {
					format = "csv"
				}
			}
			if format != "npy" && format != "csv" {
				return fmt.Errorf("--format %q: want npy or csv", format)
			}
			if batch < 1 {
				return fmt.Errorf("--batch %d: want 1 or more", batch)
			}
			cfg, err := g.load()
			if err != nil {
				return err
			}
			enc, err := encoder.Load(from)
			if err != nil {
				return fmt.Errorf("--from %s: %w", from, err)
			}
			in, err := data.OpenStream(input, data.Shape(enc.Input()))
			if err != nil {
				return fmt.Errorf("--input %s: %w", input, err)
			}
			defer in.Close()
			be, err := backend.New(cfg.Backend)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(output), 0o755); err != nil {
				return fmt.Errorf("--output %s: %w", output, err)
			}
			bar := progress.New(g.progressOut(cmd), "encode", int64(in.Len()), " images")
			err = atomicfile.Write(output, func(w io.Writer) error {
				out, err := newCodeWriter(w, format, in.Len(), enc.CodeSize())
				if err != nil {
					return err
				}
				row := 0
				if err := enc.EncodeStream(cmd.Context(), be, in, batch, func(codes []float32, n int) error {
					bar.Add(int64(n))
					for i := range n {
						if err := out.row(in.Name(row), codes[i*enc.CodeSize():(i+1)*enc.CodeSize()]); err != nil {
							return err
						}
						row++
					}
					return nil
				}); err != nil {
					return err
				}
				return out.close()
			})
			bar.Finish()
			if err != nil {
				return fmt.Errorf("encoding %s into %s: %w", input, output, err)
			}
			if err := writeNames(namesPath(output), in); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d codes of %d values in %s (inputs listed in %s); the encoder takes %s images: %s\n",
				in.Len(), enc.CodeSize(), output, namesPath(output), in.Shape(), in.Conversion())
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&from, "from", "", "a pretrained experiment's output folder (or its pretrain folder, or a checkpoint)")
	f.StringVar(&input, "input", "", "a folder of images, a .npy file of images or an IDX images file")
	f.StringVar(&output, "output", "", "where to write the codes (.npy, or .csv)")
	f.StringVar(&format, "format", "", "npy or csv (default: from the output's extension, else npy)")
	f.IntVar(&batch, "batch", 1000, "images encoded at a time")
	return c
}

// namesPath is where the list of inputs goes: codes.npy -> codes.files.txt.
func namesPath(output string) string {
	return strings.TrimSuffix(output, filepath.Ext(output)) + ".files.txt"
}

// writeNames lists each row's input, one per line.
func writeNames(path string, in data.Stream) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for i := range in.Len() {
			bw.WriteString(in.Name(i))
			bw.WriteByte('\n')
		}
		return bw.Flush()
	})
}

// codeWriter writes codes as .npy rows or CSV lines (the input's name, then
// the values).
type codeWriter struct {
	npy *npy.Writer
	csv *bufio.Writer
	buf []byte
}

func newCodeWriter(w io.Writer, format string, rows, cols int) (*codeWriter, error) {
	if format == "npy" {
		nw, err := npy.NewWriter(w, rows, cols)
		return &codeWriter{npy: nw}, err
	}
	cw := &codeWriter{csv: bufio.NewWriterSize(w, 1<<20)}
	cw.csv.WriteString("input")
	for j := range cols {
		fmt.Fprintf(cw.csv, ",c%d", j)
	}
	cw.csv.WriteByte('\n')
	return cw, nil
}

func (c *codeWriter) row(name string, codes []float32) error {
	if c.npy != nil {
		return c.npy.Write(codes)
	}
	c.buf = append(c.buf[:0], csvField(name)...)
	for _, v := range codes {
		c.buf = append(c.buf, ',')
		c.buf = strconv.AppendFloat(c.buf, float64(v), 'g', -1, 32)
	}
	c.buf = append(c.buf, '\n')
	_, err := c.csv.Write(c.buf)
	return err
}

func (c *codeWriter) close() error {
	if c.npy != nil {
		return c.npy.Close()
	}
	return c.csv.Flush()
}

// csvField quotes a name that holds a comma, a quote or a line break.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
