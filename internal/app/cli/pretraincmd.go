package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/pretrain"
)

// NewPretrainCommand trains the autoencoder.
func NewPretrainCommand(g *globalFlags) *cobra.Command {
	var restart bool
	c := &cobra.Command{
		Use:   "pretrain",
		Short: "Train the autoencoder without labels (resumes an interrupted run)",
		Long: `pretrain trains the seed autoencoder on the training split with per-pixel MSE
and Adam, evaluates the validation split after every epoch and the test set at
the end, and writes into <output_dir>/pretrain: checkpoints (best and last),
config.yaml, metrics.csv/json, loss.png, reconstructions.png and summary.json.

Ctrl-C stops at the next step and saves; running the same command again
continues exactly where it stopped. --restart starts over.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			env := g.env(cmd)
			env.Restart = restart
			s, err := pretrain.Run(cmd.Context(), cfg, env)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "pretrained %d epochs in %.0fs on backend %s\n", s.Epochs, s.WallSeconds, s.Backend)
			fmt.Fprintf(out, "final train loss %.5f, validation loss %.5f (best %.5f at epoch %d)\n", s.FinalTrain, s.FinalVal, s.BestVal, s.BestEpoch)
			fmt.Fprintf(out, "test MSE %.5f; outputs in %s\n", s.TestMSE, pretrain.Stage.Dir(cfg))
			return nil
		},
	}
	c.Flags().BoolVar(&restart, "restart", false, "discard an existing checkpoint and start over")
	return c
}
