package backend

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// StepTime is what a profile (StartProfile) records of one kind of step of
// the graphs a Backend runs: the step ("conv", "dot", "window", a kernel
// step's type, or a simplego stage) with its shapes, how many times it ran,
// the wall time summed over those runs, and the process's CPU time over the
// same runs (all cores; zero where the system does not say), whose ratio to
// the wall time is the cores the step kept busy.
type StepTime struct {
	Step  string
	Calls int
	Wall  time.Duration
	CPU   time.Duration
}

type profile struct {
	mu   sync.Mutex
	rows map[string]*StepTime
}

func (p *profile) add(step string, wall, cpu time.Duration) {
	cpu = max(cpu, 0) // busyTime's two clocks can disagree by a little
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.rows[step]
	if r == nil {
		r = &StepTime{Step: step}
		p.rows[step] = r
	}
	r.Calls++
	r.Wall += wall
	r.CPU += cpu
}

// StartProfile makes be time every step its executables run from now on,
// until StopProfile. It does nothing to a backend other than this
// package's (XLA's, say).
func StartProfile(be backends.Backend) {
	if b, ok := be.(*Backend); ok {
		b.prof.Store(&profile{rows: map[string]*StepTime{}})
	}
}

// StopProfile ends the profile StartProfile began and returns its steps,
// the most wall time first (nil if none was begun).
func StopProfile(be backends.Backend) []StepTime {
	b, ok := be.(*Backend)
	if !ok {
		return nil
	}
	p := b.prof.Swap(nil)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]StepTime, 0, len(p.rows))
	for _, r := range p.rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b StepTime) int {
		if a.Wall != b.Wall {
			return int(b.Wall - a.Wall)
		}
		return compareStrings(a.Step, b.Step)
	})
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// busyTime is the process's CPU time less what parallel's helpers and
// waiting callers spent checking for work (parallel.Waited): the CPU time
// that did steps.
func busyTime() time.Duration { return cpuTime() - parallel.Waited() }

// profName names what ran last in e for a profile: step si, or for si
// at most -2 a group of -2-si small steps run at once (staged_group.go).
func (e *stagedExec) profName(si int) string {
	if si <= -2 {
		return fmt.Sprintf("%d small independent steps at once", -2-si)
	}
	return e.describe(si)
}

// describe names step si of e for a profile: its kind and shapes.
func (e *stagedExec) describe(si int) string {
	e.namesOnce.Do(func() {
		e.names = make([]string, len(e.steps))
		for i, st := range e.steps {
			e.names[i] = e.name(st)
		}
	})
	return e.names[si]
}

func (e *stagedExec) name(st step) string {
	dims := func(id int) string { return fmt.Sprint(e.b.shapes[id].Dimensions) }
	switch {
	case st.stage != nil:
		return fmt.Sprintf("simplego stage %d", st.stage.idx)
	case st.conv != nil:
		c := st.conv
		return fmt.Sprintf("conv %v * %v -> %v", c.inShape.Dimensions, c.kShape.Dimensions, c.outShape.Dimensions)
	case st.win != nil:
		if st.win.scatter {
			return fmt.Sprintf("pool gradient %s", dims(st.win.x))
		}
		return fmt.Sprintf("pool %s -> %s", dims(st.win.x), dims(st.win.out))
	case st.k != nil:
		s := fmt.Sprintf("%T", st.k)
		for _, id := range st.k.reads() {
			s += " " + dims(id)
		}
		return s + " -> " + dims(st.k.result())
	}
	p := st.prod
	kind := "product"
	if p.sparse != nil {
		kind = "sparse product"
	}
	return fmt.Sprintf("%s %dx%d by %dx%d (transposed: %v, %v)", kind, p.m, p.k, p.k, p.n, p.lhsT, p.rhsT)
}
