package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
)

// NewDataCommand groups the dataset commands.
func NewDataCommand(g *globalFlags) *cobra.Command {
	c := &cobra.Command{Use: "data", Short: "Check any data source; find and download Fashion-MNIST"}
	c.AddCommand(newDataVerifyCommand(g), newDataFetchCommand(g), newDataExportCommand(g), newDataHueCommand())
	return c
}

func newDataVerifyCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Say where the data is, count images per class and split, and report problems (and, for Fashion-MNIST, check the pinned checksums)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if cfg.Data.Source == data.SourceFashion {
				if err := verifyFashion(out, cfg.Data.Dir, g); err != nil {
					return err
				}
			}
			s, err := data.Prepare(cfg.Data, data.Shape(cfg.Spec().Input), cfg.Seed, g.lookupEnv)
			if err != nil {
				fmt.Fprintf(out, "PROBLEM: %v\n", err)
				return err
			}
			fmt.Fprintf(out, "%s\n", s.Describe())
			fmt.Fprintf(out, "images read as %s, the model's input (model.input %v)\n", s.ImageShape(), cfg.Model.Input)
			writeClassCounts(out, s)
			if kinds := s.Conversion.Kinds; len(kinds) > 0 {
				fmt.Fprintf(out, "images before conversion to %s:\n", s.ImageShape())
				for _, k := range sortedKeys(kinds) {
					fmt.Fprintf(out, "  %-24s %8d\n", k, kinds[k])
				}
			}
			fmt.Fprintln(out, "no problems found")
			return nil
		},
	}
}

// verifyFashion checks Fashion-MNIST's four files against their pinned
// checksums.
func verifyFashion(out io.Writer, dir string, g *globalFlags) error {
	loc, err := data.Discover(dir, g.lookupEnv)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Fashion-MNIST in %s (found via %s)\n", loc.Dir, loc.How)
	reps, verr := data.Verify(loc.Dir)
	for _, r := range reps {
		switch {
		case r.Problem != "":
			fmt.Fprintf(out, "  %-26s PROBLEM: %s\n", r.File.Name, r.Problem)
			continue
		case r.Match:
			fmt.Fprintf(out, "  %-26s %6d items  sha256 ok\n", r.File.Name, r.Count)
		default:
			fmt.Fprintf(out, "  %-26s %6d items  sha256 MISMATCH: %s, want %s\n", r.File.Name, r.Count, r.SHA256, r.File.SHA256)
		}
		if strings.Contains(r.File.Name, "labels") {
			fmt.Fprintf(out, "  %-26s per class: %v\n", "", r.PerClass)
		}
	}
	if verr != nil {
		return fmt.Errorf("%w; %s", verr, data.InstallHint)
	}
	fmt.Fprintln(out, "all 4 files verified")
	return nil
}

// writeClassCounts prints images per class and split.
func writeClassCounts(out io.Writer, s *data.Splits) {
	k := s.NumClasses()
	tr, te := s.Train.ClassCounts(k), s.Test.ClassCounts(k)
	va := make([]int, k)
	if s.Validation != nil {
		va = s.Validation.ClassCounts(k)
	}
	fmt.Fprintf(out, "  %-24s %8s %10s %8s\n", "class", "training", "validation", "test")
	for c, name := range s.Classes {
		fmt.Fprintf(out, "  %-24s %8d %10d %8d\n", name, tr[c], va[c], te[c])
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func newDataFetchCommand(g *globalFlags) *cobra.Command {
	var mirror, dir string
	c := &cobra.Command{
		Use:   "fetch",
		Short: "Download the four files from the official mirror into the user cache, verifying checksums",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			got, err := data.Fetch(cmd.Context(), data.FetchOptions{Mirror: mirror, Dir: dir, Log: g.progressOut(cmd)})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Fashion-MNIST downloaded and verified in %s\n", got)
			return nil
		},
	}
	c.Flags().StringVar(&mirror, "mirror", data.DefaultMirror, "base URL serving <file>.gz")
	c.Flags().StringVar(&dir, "dir", "", "destination folder (default: the user cache, which discovery searches)")
	return c
}

func newDataExportCommand(g *globalFlags) *cobra.Command {
	o := data.ExportOptions{}
	c := &cobra.Command{
		Use:   "export --format images|npy|idx --output DIR",
		Short: "Write part of the configured data set in the layout of a data source (to try data.source images on a real folder)",
		Long: `export writes a seeded part of the configured data (Fashion-MNIST by
default) as a data source reads it: --format images gives DIR/train/<class>/
and DIR/test/<class>/ PNG files (and DIR/unlabelled/ for --unlabelled), npy
gives train_images.npy, train_labels.npy, test_*.npy, classes.txt (and
unlabelled.npy), idx gives MNIST's four gzip'd files. configs/images-example.yaml
reads the folder that
  hourglass data export --format images --output examples/fashion-images --per-class 300 --test-per-class 100 --unlabelled 6000
writes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Dir == "" {
				return fmt.Errorf("--output is needed: the folder to write")
			}
			cfg, err := g.load()
			if err != nil {
				return err
			}
			d, err := data.Open(cfg.Data, data.Shape(cfg.Spec().Input), cfg.Seed, g.lookupEnv)
			if err != nil {
				return err
			}
			o.Seed = cfg.Seed
			if err := data.Export(d, o); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d classes: %d training and %d test images per class, %d unlabelled, as %s in %s\n",
				len(d.Classes), o.PerClass, o.TestPerClass, o.Unlabelled, o.Format, o.Dir)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.Format, "format", data.SourceImages, "images, npy or idx")
	f.StringVar(&o.Dir, "output", "", "the folder to write")
	f.IntVar(&o.PerClass, "per-class", 100, "training images per class")
	f.IntVar(&o.TestPerClass, "test-per-class", 20, "test images per class (0: no test split)")
	f.IntVar(&o.Unlabelled, "unlabelled", 0, "further training images written without labels")
	return c
}

// newDataHueCommand writes the hue-only example data set.
func newDataHueCommand() *cobra.Command {
	var train, test int
	var seed int64
	c := &cobra.Command{
		Use:   "hue DIR",
		Short: "Write a small colour data set whose classes differ only in hue (for configs/colour-example.yaml)",
		Long: `hue writes DIR/train/<class>/*.png and DIR/test/<class>/*.png: 16x16 colour
images of random shapes in red, green or blue, the three colours chosen to
have the same luminance, so a grey model (model.input [16, 16, 1]) cannot
tell the classes apart and a colour one ([16, 16, 3]) can.
configs/colour-example.yaml reads it from runs/data/hue.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if train < 3 || test < 3 {
				return fmt.Errorf("--train %d, --test %d: at least 3 images each (one per class)", train, test)
			}
			for _, part := range []struct {
				name string
				set  *data.Set
			}{{"train", data.SyntheticHue(train, seed)}, {"test", data.SyntheticHue(test, seed+1)}} {
				if err := data.WriteImages(filepath.Join(args[0], part.name), part.set, data.HueClasses); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d training and %d test images of classes %v into %s\n", train, test, data.HueClasses, args[0])
			return nil
		},
	}
	c.Flags().IntVar(&train, "train", 1500, "training images")
	c.Flags().IntVar(&test, "test", 300, "test images")
	c.Flags().Int64Var(&seed, "seed", 1, "seed of the drawing")
	return c
}
