package backend

import (
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// Runs of small independent steps. An optimiser's update is a few dozen
// element-wise steps, one or more per variable, each too small to split
// across the cores (parallelMin): run one after another they keep a single
// core busy. A group is a run of consecutive kernel steps that are each
// small and read nothing another one of them computes; the cores take
// its steps as they go.

// groupable says whether step st may run beside others: an element-wise,
// reduction or layout step whose operands and result are all under
// parallelMin values, so that it runs on one core.
func (e *stagedExec) groupable(st step) bool {
	if st.stage != nil || st.k == nil {
		return false
	}
	if e.b.shapes[st.result()].Size() >= parallelMin {
		return false
	}
	for _, id := range st.reads() {
		if e.b.shapes[id].Size() >= parallelMin {
			return false
		}
	}
	return true
}

// maxGroup caps a group's steps: their results are all made before any
// operand is released, so a group holds up to maxGroup results of under
// parallelMin values at once.
const maxGroup = 64

// groupReversed, set by tests, runs a group's steps one after another, last
// first, so that a step that overwrites an operand runs before the others
// that read it.
var groupReversed = false

// planGroups sets groupEnd: for the first step of each group of at least
// two, the index after its last step; 0 elsewhere. It sets shared too.
func (e *stagedExec) planGroups() {
	for si := 0; si < len(e.steps); {
		end := si
		made := map[int]bool{}
		for end < len(e.steps) && end-si < maxGroup && e.groupable(e.steps[end]) && !readsAny(e.steps[end], made) {
			made[e.steps[end].result()] = true
			end++
		}
		if end-si >= 2 {
			e.groupEnd[si] = end
			e.markShared(si, end)
			si = end
			continue
		}
		si++
	}
}

// markShared sets shared[si] for the steps of group [lo, hi): the operands
// si reads that another step of the group reads too, which it must not
// overwrite.
func (e *stagedExec) markShared(lo, hi int) {
	readBy := map[int]int{} // operand id -> how many of the group's steps read it
	for si := lo; si < hi; si++ {
		reads := e.steps[si].reads()
		for j, id := range reads {
			if !slices.Contains(reads[:j], id) {
				readBy[id]++
			}
		}
	}
	for si := lo; si < hi; si++ {
		for _, id := range e.steps[si].reads() {
			if readBy[id] > 1 && !slices.Contains(e.shared[si], id) {
				e.shared[si] = append(e.shared[si], id)
			}
		}
	}
}

func readsAny(st step, ids map[int]bool) bool {
	for _, id := range st.reads() {
		if ids[id] {
			return true
		}
	}
	return false
}

// runGroup runs steps [lo, hi), a group of planGroups, on the cores at
// once: their results are made (or taken over from operands nothing later
// reads, as Execute does) before, and the values they read last are
// released after.
func (e *stagedExec) runGroup(lo, hi int, vals []backends.Buffer, owned []bool, dev backends.DeviceNum) error {
	be := e.b.backend
	n := hi - lo
	outs := make([]backends.Buffer, n)
	over := make([]int, n)
	for i := range n {
		si := lo + i
		st := e.steps[si]
		over[i] = -1
		if id := e.reusable(st, si, vals, owned); id >= 0 && !slices.Contains(e.shared[si], id) {
			outs[i], over[i] = vals[id], id
			continue
		}
		buf, _, err := be.NewSharedBuffer(dev, e.b.shapes[st.result()])
		if err != nil {
			e.dropOutputs(outs, over)
			return err
		}
		outs[i] = buf
	}
	errs := make([]error, n)
	var next atomic.Int64
	workers := min(parallel.Workers(), n)
	if groupReversed {
		workers = 1
	}
	parallel.Do(workers, func(int) {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			if groupReversed {
				i = n - 1 - i
			}
			errs[i] = e.runInto(e.steps[lo+i], vals, outs[i], over[i])
		}
	})
	for i := range n {
		if errs[i] != nil {
			e.dropOutputs(outs, over)
			return errs[i]
		}
		if over[i] >= 0 {
			vals[over[i]], owned[over[i]] = nil, false
		}
	}
	for i := range n {
		si := lo + i
		st := e.steps[si]
		vals[st.result()], owned[st.result()] = outs[i], true
		for _, id := range st.reads() {
			if e.lastUse[id] == si && owned[id] && vals[id] != nil {
				_ = be.BufferFinalize(vals[id])
				vals[id] = nil
			}
		}
	}
	return nil
}

// dropOutputs releases the new results of a group that failed (not the
// operands it took over, which Execute still holds).
func (e *stagedExec) dropOutputs(outs []backends.Buffer, over []int) {
	for i, buf := range outs {
		if buf != nil && over[i] < 0 {
			_ = e.b.backend.BufferFinalize(buf)
		}
	}
}
