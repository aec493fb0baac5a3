package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/model"
)

// NewModelCommand groups commands about the model itself.
func NewModelCommand(g *globalFlags) *cobra.Command {
	c := &cobra.Command{Use: "model", Short: "Describe the model an experiment trains"}
	summary := &cobra.Command{
		Use:   "summary",
		Short: "Print the layer table (layer, output shape, parameters) and the total, read off the built model",
		Long: `Print the layer table of the model the configuration describes (the model
section, and pretrain.model for its kind): the paper's 43,889-parameter
autoencoder by default; --set model.filters=[32,64,128] --set
model.input=[32,32,3] for another.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			spec := cfg.Spec()
			layers, err := model.SummaryOf(spec)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d-value codes\n", spec, spec.CodeSize())
			model.WriteSummary(cmd.OutOrStdout(), layers)
			return nil
		},
	}
	c.AddCommand(summary)
	return c
}
