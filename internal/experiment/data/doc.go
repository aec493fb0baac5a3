// Package data reads Fashion-MNIST from its IDX files (gzip'd or raw) and
// other sources (IDX folders, image folders, NumPy arrays), checks
// everything it reads, finds the files on this machine, downloads them
// when they are missing, and hands the stages float32 pixels in [0, 1] of
// the model's input shape (converted: resized, grey or colour) with int
// labels, split and subset deterministically from a seed.
//
// Every error names the file and what is wrong with it.
package data
