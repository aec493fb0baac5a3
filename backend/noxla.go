//go:build !xla

package backend

import "github.com/gomlx/gomlx/backends"

func newXLA(string) (backends.Backend, error) { panic("unreachable: XLAAvailable is false") }
