package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/compare"
	"github.com/hourglass-ml/hourglass/internal/app/pipeline"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/reduce"
)

// versions lists hourglass's and its libraries' versions for reports.
func versions() map[string]string {
	v := map[string]string{"hourglass": Version, "go": runtime.Version()}
	for _, d := range Dependencies() {
		v[d[0]] = d[1]
	}
	return v
}

// NewReduceCommand writes autoencoder and PCA codes.
func NewReduceCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "reduce",
		Short: "Write the autoencoder's codes and PCA codes (NumPy .npy) for the training and test images",
		Long: `reduce fits PCA (gonum) on the training images for every size in
reduce.pca_dims, encodes the images with the pretrained encoder, and writes
into <output_dir>/reduce: train_/test_<representation>.npy (float32),
train_/test_labels.npy (int64), explained_variance.png and reduce.json (PCA
fit time, explained variance, reconstruction MSE of every representation).
It needs a pretrained autoencoder (hourglass pretrain).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			res, err := reduce.Run(cmd.Context(), cfg, g.env(cmd))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "PCA fitted on %d training images in %.2fs (%s)\n", res.TrainImages, res.PCAFitSeconds, res.BLAS)
			fmt.Fprintf(out, "%-14s %6s %12s\n", "representation", "dims", "test MSE")
			for _, r := range res.Representations {
				fmt.Fprintf(out, "%-14s %6d %12.5f\n", r.Name, r.Dim, r.TestMSE)
			}
			fmt.Fprintf(out, "codes in %s\n", reduce.Stage.Dir(cfg))
			return nil
		},
	}
}

// NewCompareCommand scores representations with kNN and writes the report.
func NewCompareCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "compare",
		Short: "Score raw pixels, PCA and autoencoder codes with golearn kNN; write report.md, report.html, results.json",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			res, err := compare.Run(cmd.Context(), cfg, g.env(cmd))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, k := range res.KNN {
				fmt.Fprintf(out, "%-14s %4d dims  accuracy %6.2f%%  (%.1fs)\n", k.Representation, k.Dim, 100*k.Accuracy, k.Seconds)
			}
			run := layout.At(cfg.OutputDir)
			fmt.Fprintf(out, "report: %s (and %s, %s)\n", run.ReportHTML(), run.ReportMarkdown(), run.ResultsJSON())
			return nil
		},
	}
}

// NewRunCommand runs a whole experiment.
func NewRunCommand(g *globalFlags) *cobra.Command {
	var force []string
	c := &cobra.Command{
		Use:   "run [EXPERIMENT.yaml]",
		Short: "Run pretrain, finetune, reduce and compare into the experiment's output folder, skipping stages already done",
		Long: `run executes the experiment's stages in order. A stage whose outputs were
made from the same effective configuration and inputs is skipped, so an
interrupted experiment (Ctrl-C) continues where it stopped when run again.
--force STAGE reruns a stage and every later stage that reads its outputs
(--force pretrain starts pretraining over, so everything reruns; --force
reduce reruns reduce and compare; --force finetune reruns finetune and
compare; --force compare reruns compare only).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if g.configFile != "" && g.configFile != args[0] {
					return fmt.Errorf("two experiments given: %s and --config %s", args[0], g.configFile)
				}
				g.configFile = args[0]
			}
			cfg, err := g.load()
			if err != nil {
				return err
			}
			rs, err := pipeline.Run(cmd.Context(), cfg, pipeline.Options{Force: force, Env: g.env(cmd)})
			out := cmd.OutOrStdout()
			for _, r := range rs {
				if r.Skipped {
					fmt.Fprintf(out, "%-9s skipped (up to date)\n", r.Stage)
				} else {
					fmt.Fprintf(out, "%-9s done in %.0fs\n", r.Stage, r.Seconds)
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "report: %s\n", layout.At(cfg.OutputDir).ReportHTML())
			return nil
		},
	}
	c.Flags().StringArrayVar(&force, "force", nil, fmt.Sprintf("rerun a stage even if up to date, and every stage after it that reads its outputs; pretrain starts over (%v; repeatable)", pipeline.Names()))
	return c
}
