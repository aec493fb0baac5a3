// Package backend creates the GoMLX backend named in an experiment's
// `backend` key and makes GoMLX's pure-Go backend able to train hourglass's
// model quickly.
//
// `go` is GoMLX's simplego backend wrapped by this package: the wrapper's
// Builder embeds simplego's and fills in the operations simplego lacks (Pad,
// Reverse, SelectAndScatterMax/Min) by composing operations it has, and
// accepts the empty strides and dilations that GoMLX's own convolution
// gradient passes. InstallGradients replaces, through graph.VJPRegistration,
// the gradient of Dot (a broadcast multiply and sum materialising an
// [i, j, k] tensor) with two matrix products.
//
// The wrapper's builder also cuts each graph into stages at its float32
// matrix products, convolutions and max pooling (staged.go): the stages run
// on simplego, those operations in between on hourglass's own kernels —
// internal/gemm (an AVX2/FMA micro-kernel in Go assembly, no cgo) for
// products, a blocked im2col gather plus gemm for ConvGeneral (conv.go),
// plain loops for pooling and its gradient (window.go). Float32 transposes
// and sums are steps of their own too, split across the cores
// (layout.go), and element-wise operations (arithmetic, comparisons,
// Where, broadcasts, reshapes) are not run one by one: they are recorded
// as expressions and each expression is computed, when something needs
// it, by one fused step — one pass over memory in cache-sized chunks, on
// all cores (fuse.go, fused_exec.go). The backend option
// kernels=simplego (for example
// GOMLX_BACKEND=hourglass-go:parallelism=-1,kernels=simplego) turns that off,
// for comparisons; the model then builds convolutions as im2col products.
//
// `xla:cpu` and `xla:cuda` need hourglass built with `-tags xla`, so the
// default build stays pure Go and never tries to download XLA's plugin.
package backend
