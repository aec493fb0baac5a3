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
// The wrapper's builder also cuts each graph into steps (staged.go): float32
// matrix products, convolutions, max pooling, transposes, sums, slices,
// concatenations, paddings and reversals run on hourglass's own kernels,
// split across the cores — internal/numeric/gemm (AVX-512 and AVX2/FMA
// micro-kernels in Go assembly, no cgo) for products, a blocked im2col
// gather plus gemm for ConvGeneral (conv.go; on AVX2 CPUs, convolutions of
// 8 or more contiguous channels read their input in place through tables
// of pointers instead, gemm's indirect products; one-channel convolutions
// and kernel gradients from runs of the padded input, conv_single.go and
// conv_shift.go), AVX-512 or AVX2 loops for 2x2 pooling and its gradient
// (window.go, pool_amd64.s, pool_avx2_amd64.s), runs copied for the layout
// operations (layout.go). Element-wise operations (arithmetic,
// comparisons, Where, broadcasts, reshapes) are not run one by one: they
// are recorded as expressions and each expression is computed, when
// something needs it, by one fused step — one pass over memory in
// cache-sized chunks, on all cores, in AVX-512 or AVX2 where the CPU has
// them (fuse.go, fused_exec.go, fused_amd64.s, fused_avx2_amd64.s), bit for
// bit what simplego computes. What is left runs in
// simplego stages between the steps. The backend option
// kernels=simplego (for example
// GOMLX_BACKEND=hourglass-go:parallelism=-1,kernels=simplego) turns that off,
// for comparisons; the model then builds convolutions as im2col products.
// Runs of small steps that do not read each other's results run on the
// cores at once (staged_group.go); the option groups=off runs them one
// after another.
//
// `xla:cpu` and `xla:cuda` need hourglass built with `-tags xla`, so the
// default build stays pure Go and never tries to download XLA's plugin.
package backend
