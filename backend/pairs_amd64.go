//go:build amd64 && !purego

package backend

//go:noescape
func splitPairsY(dst, src *float32, rows, m int)

//go:noescape
func mergePairsY(dst, src *float32, rows, m int)

// canMovePairs reports whether movePairRows runs here: on CPUs with AVX2,
// unless the tests switch the vector loops off.
func canMovePairs() bool { return fusedAVX2 }

// movePairRows runs a pairs transpose (pairs_amd64.s) on rows of 4m
// values: each row's pairs split into even and odd ones, or (merge)
// merged back.
func movePairRows(merge bool, dst, src []float32, rows, m int) {
	if rows == 0 || m == 0 {
		return
	}
	n := rows * 4 * m
	_, _ = dst[n-1], src[n-1]
	if merge {
		mergePairsY(&dst[0], &src[0], rows, m)
	} else {
		splitPairsY(&dst[0], &src[0], rows, m)
	}
}
