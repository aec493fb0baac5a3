// Package data reads Fashion-MNIST from its IDX files (gzip'd or raw),
// checks everything it reads, finds the files on this machine, downloads
// them when they are missing, and hands the stages float32 pixels in [0, 1]
// with int labels, split and subset deterministically from a seed.
//
// Every error names the file and what is wrong with it.
package data
