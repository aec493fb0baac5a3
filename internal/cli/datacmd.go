package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/data"
)

// NewDataCommand groups the dataset commands.
func NewDataCommand(g *globalFlags) *cobra.Command {
	c := &cobra.Command{Use: "data", Short: "Find, check and download Fashion-MNIST"}
	c.AddCommand(newDataVerifyCommand(g), newDataFetchCommand(g))
	return c
}

func newDataVerifyCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Say where the data is, count images per class and check the pinned checksums",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			loc, err := data.Discover(cfg.Data.Dir, g.lookupEnv)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
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
		},
	}
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
