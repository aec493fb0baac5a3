//go:build !cgo || noopenblas

package fastblas

// Name says which BLAS gonum uses.
const Name = "gonum pure Go"
