//go:build cgo && !noopenblas

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
