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
package gemm
