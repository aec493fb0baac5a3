//go:build cgo && !noopenblas

// Package fastblas makes gonum's BLAS calls run on OpenBLAS (Debian's
// libopenblas-dev) through gonum.org/v1/netlib, for PCA's covariance: 60,000
// x 784 takes gonum's pure-Go BLAS about 20 s here and OpenBLAS under 1 s.
// Build with -tags noopenblas (or CGO_ENABLED=0) to stay on pure Go.
package fastblas

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// Name says which BLAS gonum uses.
const Name = "OpenBLAS (gonum.org/v1/netlib)"

func init() { blas64.Use(netlib.Implementation{}) }
