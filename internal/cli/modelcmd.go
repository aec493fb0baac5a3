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
		Short: "Print the layer table (layer, output shape, parameters) and the total, read off the built model",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			layers, err := model.Summary()
			if err != nil {
				return err
			}
			model.WriteSummary(cmd.OutOrStdout(), layers)
			return nil
		},
	})
	return c
}
