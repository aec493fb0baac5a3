package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/model"
)

// NewModelCommand groups commands about the model itself.
func NewModelCommand() *cobra.Command {
	c := &cobra.Command{Use: "model", Short: "Describe the autoencoder"}
	var kind string
	var latent int
	summary := &cobra.Command{
		Use:   "summary",
		Short: "Print the layer table (layer, output shape, parameters) and the total, read off the built model",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kind != "ae" && kind != "vae" {
				return fmt.Errorf("--model %q: use ae or vae", kind)
			}
			if latent < 1 || latent > 576 {
				return fmt.Errorf("--latent %d: use 1 to 576", latent)
			}
			layers, err := model.SummaryOf(model.Spec{Kind: kind, Latent: latent})
			if err != nil {
				return err
			}
			model.WriteSummary(cmd.OutOrStdout(), layers)
			return nil
		},
	}
	summary.Flags().StringVar(&kind, "model", "ae", "ae (the paper's autoencoder) or vae")
	summary.Flags().IntVar(&latent, "latent", 16, "the VAE's latent dimensions")
	c.AddCommand(summary)
	return c
}
