// Package gemm multiplies float32 matrices fast on the CPU: the products
// behind hourglass's convolutions and their gradients.
//
// Sgemm packs panels of both operands (Goto's scheme: contraction blocks of
// kc, row blocks of mc) and runs a 6x16 register-blocked micro-kernel over
// them, rows split across all cores — or, for a small result with a long
// contraction (a weight gradient), the contraction split and the partial
// products summed. On amd64 with AVX2 and FMA the micro-kernel is Go
// assembly (twelve 8-wide accumulators); elsewhere, or built with the
// purego tag, it is plain Go. No cgo either way.
//
// For 3x3 convolutions it also has Winograd's transforms, F(2x2, 3x3)
// (wino.go) and F(4x4, 3x3) (wino4.go), in AVX2 assembly and Go, and the
// products between them (MulTiles); the backend tiles the images.
package gemm
