package cli

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/compare"
	"github.com/hourglass-ml/hourglass/internal/app/pipeline"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
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
		Short: "Score raw pixels, PCA and autoencoder codes with exact kNN; write report.md, report.html, results.json",
		Long: `compare classifies the test images by their nearest training images in
every representation (raw pixels, each PCA size, the autoencoder's or VAE's
codes) and writes the report. The search is hourglass's exact kNN by
default (compare.knn exact: deterministic ties, seconds for the whole test
set), with golearn's KNNClassifier classifying compare.golearn_check queries
per representation as a cross-check; compare.knn golearn makes golearn's
KNNClassifier the engine for every query instead (minutes; random
tie-breaks). It reads the outputs of ` + strings.Join(compare.Stage.Needs(), ", ") + `.`,
		Args: cobra.NoArgs,
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
		Short: "Run every stage (" + strings.Join(pipeline.Names(), ", ") + ") into the experiment's output folder, skipping stages already done",
		Long: `run executes the experiment's stages in order: ` + strings.Join(pipeline.Names(), ", ") + `.
A stage whose outputs were made from the same effective configuration and
inputs is skipped, so an interrupted experiment (Ctrl-C) continues where it
stopped when run again. --force STAGE reruns a stage and every later stage
that reads its outputs (pretrain starts over):
` + forceHelp(),
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
			out := cmd.OutOrStdout()
			if cfg.Sweep.IsSweep() {
				if len(force) > 0 {
					return fmt.Errorf("%s has a sweep section and --force applies to one experiment: run a single run's stage with hourglass run --config <output_dir>/<run>/pretrain/config.yaml --force STAGE", g.configFile)
				}
				plan, err := config.LoadSweep(config.Options{File: g.configFile, Sets: g.sets, LookupEnv: g.lookupEnv}, 0)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "%s has a sweep section: running its %d runs as `hourglass sweep` does\n", g.configFile, len(plan.Runs))
				return runSweep(cmd, g, plan, -1)
			}
			rs, err := pipeline.Run(cmd.Context(), cfg, pipeline.Options{Force: force, Env: g.env(cmd)})
			for _, r := range rs {
				if r.ReusedFrom != "" {
					fmt.Fprintf(out, "%-9s reused from %s\n", r.Stage, r.ReusedFrom)
				} else if r.Skipped {
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

// forceHelp lists, for each stage, the stages `run --force STAGE` reruns:
// the stage and every later one that reads the outputs of one rerun.
func forceHelp() string {
	var b strings.Builder
	for i, s := range pipeline.Stages {
		rerun := []string{s.Name()}
		for _, later := range pipeline.Stages[i+1:] {
			if slices.ContainsFunc(later.Needs(), func(n string) bool { return slices.Contains(rerun, n) }) {
				rerun = append(rerun, later.Name())
			}
		}
		fmt.Fprintf(&b, "  --force %-9s reruns %s\n", s.Name(), strings.Join(rerun, ", "))
	}
	return b.String()
}
