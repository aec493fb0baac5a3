package backend

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// groupGraph has two runs of small independent steps, the second reading
// the first's results: transposes of x and y, then element-wise steps of
// which several read the same transpose (none may overwrite it) and one
// reads a transpose nothing else reads (it may), and a wide step over
// parallelMin values that must not join a group.
func groupGraph(t *testing.T) func(b *stagedBuilder, in []backends.Op) []backends.Op {
	return func(b *stagedBuilder, in []backends.Op) []backends.Op {
		m := must(t)
		x, y, w := in[0], in[1], in[2]
		tx := m(b.Transpose(x, 1, 0))
		ty := m(b.Transpose(y, 1, 0))
		txy := m(b.Transpose(m(b.Add(x, y)), 1, 0))
		outs := []backends.Op{tx}
		for k := range 6 {
			c := m(b.Constant([]float32{float32(k) - 2.5}))
			outs = append(outs, m(b.Sqrt(m(b.Abs(m(b.Add(m(b.Mul(tx, c)), txy)))))))
		}
		outs = append(outs, m(b.Neg(ty)), m(b.Max(tx, txy)))
		outs = append(outs, m(b.Mul(w, w)))
		return outs
	}
}

// TestGroupsMatchOneByOne runs groupGraph with groups on and off (and with
// simplego's kernels), with and without donated inputs (stagedRun), and
// expects the same bits: the steps of a group run at once, each in its own
// result or over an operand only it reads.
func TestGroupsMatchOneByOne(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x, y, w := randTensor(r, 30, 40), randTensor(r, 30, 40), randTensor(r, 300, 300)
	got, _ := stagedRun(t, "kernels=hourglass", groupGraph(t), x, y, w)
	off, _ := stagedRun(t, "kernels=hourglass,groups=off", groupGraph(t), x, y, w)
	ref, _ := stagedRun(t, "kernels=simplego,ops_sequential", groupGraph(t), x, y, w)
	for k := range ref {
		if !equalFloats(got[k].data, off[k].data) || !equalFloats(got[k].data, ref[k].data) {
			t.Fatalf("output %d differs: groups on, off and simplego", k)
		}
	}
	e := compileGroupGraph(t, "kernels=hourglass", x, y, w)
	var groups [][2]int
	for si, end := range e.groupEnd {
		if end > 0 {
			groups = append(groups, [2]int{si, end})
		}
	}
	if len(groups) < 2 {
		t.Fatalf("groups %v, want the transposes and the element-wise steps", groups)
	}
	for _, g := range groups {
		made := map[int]bool{}
		for si := g[0]; si < g[1]; si++ {
			st := e.steps[si]
			if !e.groupable(st) {
				t.Errorf("group %v holds step %d (%s), not a small kernel step", g, si, e.describe(si))
			}
			if readsAny(st, made) {
				t.Errorf("group %v: step %d reads a result of the same group", g, si)
			}
			made[st.result()] = true
		}
	}
}

// TestGroupsReversed runs each group's steps one after another, last
// first, with donated inputs: a step allowed to overwrite an operand that
// another step of its group reads would run before that reader and change
// what it reads.
func TestGroupsReversed(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x, y, w := randTensor(r, 30, 40), randTensor(r, 30, 40), randTensor(r, 300, 300)
	off, _ := stagedRun(t, "kernels=hourglass,groups=off", groupGraph(t), x, y, w)
	groupReversed = true
	defer func() { groupReversed = false }()
	got, _ := stagedRun(t, "kernels=hourglass", groupGraph(t), x, y, w)
	for k := range off {
		if !equalFloats(got[k].data, off[k].data) {
			t.Fatalf("output %d differs with the groups' steps in reverse order", k)
		}
	}
}

// TestNoGroupsOption: groups=off plans no group.
func TestNoGroupsOption(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	e := compileGroupGraph(t, "kernels=hourglass,groups=off", randTensor(r, 30, 40), randTensor(r, 30, 40), randTensor(r, 300, 300))
	for si, end := range e.groupEnd {
		if end != 0 {
			t.Errorf("step %d begins a group with groups=off", si)
		}
	}
}

// compileGroupGraph compiles groupGraph on a backend made from config;
// the executable is finalized when the test ends.
func compileGroupGraph(t *testing.T, config string, inputs ...tensor) *stagedExec {
	t.Helper()
	_, b, params := testBuilder(t, config, inputs...)
	c, err := b.Compile(groupGraph(t)(b, params), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Finalize)
	return c.(*stagedExec)
}
