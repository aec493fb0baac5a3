// Package model is the seed paper's convolutional autoencoder in GoMLX, as
// model functions other stages and programs reuse:
//
//	Encoder(ctx, images [B, 28, 28, 1]) -> codes [B, 576]   (64 x 3 x 3, channel-major)
//	Decoder(ctx, codes [B, 576]) -> images [B, 28, 28, 1]
//
// and its layers: Conv2D (3x3 "same"), MaxPool2 (2x2, floor), and
// ConvTranspose2D (kernel, stride, padding, output padding). Tensors are
// channels-last (NHWC). Every layer is built from operations every GoMLX
// backend has and can differentiate (Dot, Slice, Concatenate, Reshape,
// Transpose, ReduceMax); on the pure-Go backend convolutions run as im2col
// (shifted slices concatenated, one matrix product), on XLA as ConvGeneral.
//
// Weights are initialised as PyTorch initialises Conv2d and ConvTranspose2d
// (uniform in +-1/sqrt(fan_in)), so training matches the reference runs.
package model
