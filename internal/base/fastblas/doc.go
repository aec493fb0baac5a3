// Package fastblas makes gonum's BLAS calls run on OpenBLAS (Debian's
// libopenblas-dev) through gonum.org/v1/netlib, for PCA's covariance: 60,000
// x 784 takes gonum's pure-Go BLAS about 20 s here and OpenBLAS under 1 s.
// Name says which one a build uses.
//
// OpenBLAS is used when the build has cgo and no noopenblas tag; -tags
// noopenblas keeps gonum's pure-Go BLAS and needs no libopenblas-dev.
//
// CGO_ENABLED=0 selects the pure-Go BLAS here, but it does not build the
// hourglass program: golearn's knn package (compare's cross-check and
// compare.knn golearn) has C code, so compare, internal/app/pipeline,
// internal/app/cli and cmd/hourglass need cgo and a C compiler, with or
// without noopenblas. Every other package builds with CGO_ENABLED=0,
// among them the public encoder, model, backend and knn (which uses
// golearn's base package only).
package fastblas
