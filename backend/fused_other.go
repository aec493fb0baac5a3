//go:build !amd64 || purego

package backend

var fusedAVX512, fusedAVX2 = false, false

func vecBinary(op opcode, d, a, b []float32) int { return 0 }
func vecUnary(op opcode, d, a []float32) int     { return 0 }
func vecWhere(d, c, a, b []float32) int          { return 0 }

func sumRows(y, x []float32) bool { return false }

func canMovePairs() bool { return false }
func movePairRows(merge bool, dst, src []float32, rows, m int) {
	panic("hourglass-go: no pair moves here")
}
