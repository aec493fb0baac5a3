package cli

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/stage"
)

// globalFlags are the flags every command takes.
type globalFlags struct {
	configFile string
	sets       []string
	quiet      bool
	lookupEnv  func(string) (string, bool)
}

// NewRootCommand builds the hourglass command tree.
func NewRootCommand() *cobra.Command {
	return newRootCommand(os.LookupEnv)
}

// newRootCommand takes the environment lookup, so tests can set it.
func newRootCommand(lookupEnv func(string) (string, bool)) *cobra.Command {
	g := &globalFlags{lookupEnv: lookupEnv}
	root := &cobra.Command{
		Use:   "hourglass",
		Short: "Transfer learning and dimensionality reduction with a convolutional autoencoder",
		Long: `hourglass pretrains a convolutional autoencoder on Fashion-MNIST, reuses its
frozen encoder for classification with few labels, and compares its codes
with PCA through kNN accuracy. Experiments are YAML files (see configs/).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&g.configFile, "config", "c", "", "experiment YAML file (default: built-in defaults)")
	pf.StringArrayVar(&g.sets, "set", nil, "override a key, e.g. --set pretrain.epochs=5 (repeatable)")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "no progress output")
	root.AddCommand(
		NewVersionCommand(),
		NewConfigCommand(g),
		NewDataCommand(g),
		NewModelCommand(g),
		NewBenchCommand(g),
		NewPretrainCommand(g),
		NewFinetuneCommand(g),
		NewReduceCommand(g),
		NewGenerateCommand(g),
		NewEncodeCommand(g),
		NewCompareCommand(g),
		NewRunCommand(g),
		NewSweepCommand(g),
	)
	return root
}

// load builds the effective configuration from the flags.
func (g *globalFlags) load() (*config.Config, error) {
	return config.Load(config.Options{File: g.configFile, Sets: g.sets, LookupEnv: g.lookupEnv})
}

// env is what a stage run gets from the command line: progress output,
// the environment and the versions for reports.
func (g *globalFlags) env(cmd *cobra.Command) stage.Env {
	return stage.Env{Log: g.progressOut(cmd), LookupEnv: g.lookupEnv, Versions: versions()}
}

// progressOut is where progress goes: stderr, or nowhere with --quiet.
func (g *globalFlags) progressOut(cmd *cobra.Command) io.Writer {
	if g.quiet {
		return io.Discard
	}
	return cmd.ErrOrStderr()
}
