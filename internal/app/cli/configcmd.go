package cli

import (
	"github.com/spf13/cobra"
)

// NewConfigCommand groups configuration commands.
func NewConfigCommand(g *globalFlags) *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Inspect experiment configuration"}
	c.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration (defaults < file < HOURGLASS_* env < --set) as YAML",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			b, err := cfg.YAML()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	})
	return c
}
