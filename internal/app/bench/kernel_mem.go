package bench

import (
	"fmt"
	"syscall"
	"unsafe"
)

// meterMemory maps n float32 values outside Go's heap, so that unmapping
// them hands the pages back at once (the resident-memory figures of the
// steps timed after a burst do not count them); free unmaps them.
func meterMemory(n int) (mem []float32, free func() error, err error) {
	b, err := syscall.Mmap(-1, 0, 4*n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: mapping %d MiB for the matrix kernel's timing: %w", 4*n>>20, err)
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n), func() error { return syscall.Munmap(b) }, nil
}
