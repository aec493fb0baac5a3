package data

import "testing"

// BenchmarkConvertSet converts 2000 28x28 grey images to 32x32 grey and
// to 32x32 colour.
func BenchmarkConvertSet(b *testing.B) {
	s := Synthetic(2000, 1)
	for b.Loop() {
		var c Conversion
		convertSet(s, Shape{32, 32, 1}, &c)
	}
}
func BenchmarkConvertSetColour(b *testing.B) {
	s := Synthetic(2000, 1)
	for b.Loop() {
		var c Conversion
		convertSet(s, Shape{32, 32, 3}, &c)
	}
}
