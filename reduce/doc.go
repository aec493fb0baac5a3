// Package reduce turns images into shorter codes: PCA (gonum, fitted on the
// training images only, centred) and the autoencoder's encoder, behind one
// Reducer interface, so that compare treats them alike. Run (the `hourglass
// reduce` stage) writes the codes as NumPy .npy files with the PCA facts:
// explained variance and reconstruction error against the autoencoder's.
package reduce
