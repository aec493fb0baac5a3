package backend

// 3x3 convolutions by Winograd's F(4x4, 3x3) (gemm.Wino4Input): a 4x4
// tile of outputs from 36 products a channel pair, against F(2x2, 3x3)'s
// 64 for the same outputs. Tiles that overhang the output's edge waste
// their products either way: a 7x7 map takes 2x2 tiles of 4x4 (144
// points) or 4x4 of 2x2 (256), a 14x14 one 16 tiles of 4x4 (576) or 49 of
// 2x2 (784). runWinograd runs either; gemm.Wino4Input, Wino4OutputRow
// and Wino4Kernel have F(4x4, 3x3)'s transforms.

// useWino4 says whether a Winograd convolution runs on F(4x4, 3x3): where
// its tiles have at most 70% of F(2x2, 3x3)'s points, unless the tests
// say otherwise (wino4). Its transforms cost more a point (36 vectors
// through the stack, not 16 through registers), so fewer points must
// outweigh that. In the training step's profile (hourglass bench
// --profile), at 7x7 (56%) the model's layer 3 went from 1.78-2.00 to
// 1.16-1.19 ms at batch 128 (1.59-1.72 to 1.13-1.30 ms for its input
// gradient), while at 14x14 (73%) layer 2 moved within the noise (1.74-1.76
// to 1.64-1.71 ms at batch 128, 0.34-0.47 to 0.34-0.47 ms at 32), so it
// keeps F(2x2, 3x3). The four-block 64x64x3 model, whose 16x16, 8x8 and
// 4x4 maps take F(4x4, 3x3), went from 451-476 to 346-365 ms a step.
func (c *convolution) useWino4(g *convGeometry) bool {
	if c.wino4 != 0 {
		return c.wino4 > 0
	}
	oh, ow := g.outSp[0], g.outSp[1]
	return 10*36*((oh+3)/4)*((ow+3)/4) <= 7*16*((oh+1)/2)*((ow+1)/2)
}
