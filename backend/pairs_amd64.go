//go:build amd64 && !purego

package backend

//go:noescape
func splitPairsY(dst, src *float32, rows, m int)

//go:noescape
func mergePairsY(dst, src *float32, rows, m int)

// movePairRows runs a pairs transpose (pairs_amd64.s) on rows of 4m values
// and reports true, or reports false where the CPU lacks AVX2 (or the
// tests switch the vector loops off).
func movePairRows(merge bool, dst, src []float32, rows, m int) bool {
	if !fusedAVX2 {
		return false
	}
	if rows == 0 || m == 0 {
		return true
	}
	n := rows * 4 * m
	_, _ = dst[n-1], src[n-1]
	if merge {
		mergePairsY(&dst[0], &src[0], rows, m)
	} else {
		splitPairsY(&dst[0], &src[0], rows, m)
	}
	return true
}
