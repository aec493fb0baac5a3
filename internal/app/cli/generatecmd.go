package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/generate"
)

// NewGenerateCommand draws new images from the pretrained model.
func NewGenerateCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "generate",
		Short: "Generate new images from the pretrained model and measure their quality",
		Long: `generate decodes new images from the pretrained model's latent space. A VAE
(pretrain.model: vae): samples from the prior, interpolations between test
images, traversals of its most active latent dimensions (for two, the
manifold), and its test negative ELBO. A plain autoencoder (the
experiment's own, or another experiment's named by generate.autoencoder):
samples from a Gaussian fitted to its training codes. Sample quality is a
Fréchet distance in the features of a classifier trained here on the
labelled training split (cached), beside real training images' distance
(the floor). Writes into <output_dir>/generate: samples.png,
interpolations.png, traversals.png, autoencoder_samples.png, generate.json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			res, err := generate.Run(cmd.Context(), cfg, g.env(cmd))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "feature classifier: test accuracy %.2f%%; real training images at a Fréchet distance of %.2f (the floor)\n",
				100*res.Classifier.TestAccuracy, res.Floor.All)
			for _, m := range res.Models {
				fmt.Fprintf(out, "%-12s Fréchet distance %.2f", m.Name, m.Quality.All)
				if m.Name == "vae" {
					fmt.Fprintf(out, ", test negative ELBO %.2f nats (reconstruction %.2f + KL %.2f), %d of %d latent units active",
						m.TestNegELBO, m.TestRecon, m.TestKL, m.ActiveUnits, m.Latent)
				}
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, "pictures in %s\n", generate.Stage.Dir(cfg))
			return nil
		},
	}
}
