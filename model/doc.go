// Package model is the seed paper's convolutional autoencoder in GoMLX, and
// any variant of it a Spec describes (input size and channels, depth, code
// size), as model functions other stages and programs reuse:
//
//	Paper().Encoder(ctx, images [B, 28, 28, 1]) -> codes [B, 576]   (64 x 3 x 3, channel-major)
//	Paper().Decoder(ctx, codes [B, 576]) -> images [B, 28, 28, 1]
//	spec.Encoder(ctx, images [B, H, W, C]) -> codes [B, spec.CodeSize()]
//
// and its layers: Conv2D (3x3 "same"), MaxPool2 (2x2, floor), ConvBlock
// (an encoder block) and ConvTranspose2D (kernel, stride, padding, output
// padding). Tensors are channels-last (NHWC). Every layer is built from
// operations every GoMLX backend has and can differentiate, in one of two
// forms chosen per backend (backend.PrefersIm2col, or the context parameter
// ParamConvForm): ConvGeneral, ReduceWindow pooling and transposed
// convolutions as convolutions of the dilated input, or, where that input
// is mostly zeros (the paper's 3 -> 7 layer), as one product and an
// overlap-add product (overlapAdd), where the backend runs those well
// (hourglass's pure-Go backend with its kernels, XLA); or im2col
// (shifted slices concatenated, one matrix product), reshape + ReduceMax
// pooling and col2im transposed convolutions on plain simplego. Both forms
// compute the same function and are tested against the same references.
//
// Weights are initialised as PyTorch initialises Conv2d and ConvTranspose2d
// (uniform in +-1/sqrt(fan_in)), so training matches the reference runs.
package model
