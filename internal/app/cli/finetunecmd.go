package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/finetune"
)

// NewFinetuneCommand trains classifiers on the pretrained encoder.
func NewFinetuneCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "finetune",
		Short: "Train classifiers on few labels: frozen pretrained encoder vs from scratch vs unfrozen",
		Long: `finetune puts a classifier head on the pretrained encoder's codes (576 values for the paper's model) and
trains it on labelled subsets drawn per class with fixed seeds, for every
finetune.labels_per_class and seed, by each of finetune.methods on the very
same subsets: frozen (encoder fixed, behind StopGradient), scratch (same
network from random weights), unfrozen (encoder trained too, at
finetune.encoder_step_scale of the head's rate, after finetune.unfreeze_at
epochs with it fixed). finetune.blocks [1, 2, 3] makes frozen and unfrozen
take only the pretrained encoder's first n blocks, for each n (the blocks
above re-initialised and trained with the head; scratch is n = 0), and
writes blocks.png. Early stopping uses a held-out part of the labelled
images, never the test set. Writes into <output_dir>/finetune:
results.csv/json, summary.md, label_efficiency.png and confusion_best.png.
Interrupted runs continue where they stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			res, err := finetune.Run(cmd.Context(), cfg, g.env(cmd))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%-9s %16s %5s %22s\n", "method", "labels per class", "runs", "test accuracy")
			for _, r := range res.Summary {
				m := string(r.Method)
				if r.Blocks > 0 {
					m = fmt.Sprintf("%s/%d", r.Method, r.Blocks)
				}
				fmt.Fprintf(out, "%-9s %16s %5d %14.2f%% ± %.2f\n", m, r.LabelsPerClass, r.Runs, 100*r.MeanAccuracy, 100*r.StdAccuracy)
			}
			fmt.Fprintf(out, "results in %s\n", finetune.Stage.Dir(cfg))
			return nil
		},
	}
}
