package cli

import (
	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/model"
)

// NewModelCommand groups commands about the model itself.
func NewModelCommand() *cobra.Command {
	c := &cobra.Command{Use: "model", Short: "Describe the autoencoder"}
	c.AddCommand(&cobra.Command{
		Use:   "summary",
		Short: "Print the layer table (layer, output shape, parameters) and the total",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			model.WriteSummary(cmd.OutOrStdout(), model.Summary())
			return nil
		},
	})
	return c
}
