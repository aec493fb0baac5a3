// Package compare measures representations with golearn's k-nearest-
// neighbour classifier (euclidean, uniform votes): training codes are the
// neighbours, test codes the queries, through one code path for raw pixels,
// PCA codes and autoencoder codes. Run (the `hourglass compare` stage)
// writes the comparison report: report.md, a self-contained report.html
// with plots, and results.json.
package compare
