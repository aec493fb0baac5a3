// Package generate is the `hourglass generate` stage, the paper's third
// application: new images decoded from the model's latent space. For a
// VAE: samples from the prior, interpolations between test images'
// posterior means, traversals of the most active latent dimensions (for
// two dimensions, the manifold over the prior's quantiles), and the test
// negative ELBO. For the plain autoencoder (the experiment's own, or
// another's named by generate.autoencoder): samples decoded from a Gaussian
// fitted to its training codes. Sample quality is a Fréchet distance in
// the features of a classifier this stage trains on the labelled training
// split (cached in its folder), with real training images' distance as the
// floor: "Fréchet distance in hourglass classifier features", not FID.
package generate
