package backend

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// TestProfile: between StartProfile and StopProfile every step of an
// executable is counted once a run, under its kind and shapes; nothing is
// recorded outside them, and a profile with nothing run is empty.
func TestProfile(t *testing.T) {
	be, err := newGo("kernels=hourglass")
	if err != nil {
		t.Fatal(err)
	}
	nhwc := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2}}
	r := rand.New(rand.NewPCG(5, 6))
	x, k := randTensor(r, 2, 6, 6, 8), randTensor(r, 3, 3, 8, 4)
	b := be.Builder(t.Name()).(*stagedBuilder)
	px, err := b.Parameter("x", x.shape(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := b.Parameter("k", k.shape(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := must(t)
	y := m(b.ConvGeneral(px, pk, nhwc, nil, [][2]int{{1, 1}, {1, 1}}, nil, nil, 1, 1))
	out := m(b.Add(y, y))
	exec, err := b.Compile([]backends.Op{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	run := func() {
		t.Helper()
		xb, err := be.BufferFromFlatData(0, x.data, x.shape())
		if err != nil {
			t.Fatal(err)
		}
		kb, err := be.BufferFromFlatData(0, k.data, k.shape())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exec.Execute([]backends.Buffer{xb, kb}, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	run() // before the profile: not counted
	StartProfile(be)
	for range 3 {
		run()
	}
	rows := StopProfile(be)
	run() // after it: not counted either
	var conv bool
	for _, row := range rows {
		if row.Calls != 3 {
			t.Errorf("%q ran %d times in the profile, want 3", row.Step, row.Calls)
		}
		if row.Wall <= 0 || row.CPU < 0 {
			t.Errorf("%q: wall %v, CPU %v", row.Step, row.Wall, row.CPU)
		}
		conv = conv || strings.HasPrefix(row.Step, "conv [2 6 6 8] * [3 3 8 4] -> [2 6 6 4]")
	}
	if !conv {
		t.Errorf("no convolution step among %+v", rows)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].Wall > rows[i-1].Wall {
			t.Errorf("rows not slowest first: %v after %v", rows[i].Wall, rows[i-1].Wall)
		}
	}
	if again := StopProfile(be); again != nil {
		t.Errorf("a second StopProfile returned %d rows, want none", len(again))
	}
	sg, err := newGo("kernels=simplego")
	if err != nil {
		t.Fatal(err)
	}
	StartProfile(sg)
	if rows := StopProfile(sg); len(rows) != 0 {
		t.Errorf("a profile with nothing run holds %d rows", len(rows))
	}
}
