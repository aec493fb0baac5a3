package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepCommand drives a two-run sweep over compare.k as a user on a
// cluster would: --list, --variant 1, --gather (run 0 missing), then the
// whole sweep (run 0 reuses run 1's pretraining and runs compare), then
// `run FILE`, which says the file is a sweep and finds everything done.
func TestSweepCommand(t *testing.T) {
	base, out := experimentFile(t)
	b, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "sweep.yaml", string(b)+"sweep:\n  grid:\n    compare.k: [1, 3]\n")

	got, err := run0(t, "sweep", file, "--list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "hourglass sweep "+file+" --variant 1") || !strings.Contains(lines[1], "compare.k=3,seed=1") {
		t.Errorf("--list:\n%s", got)
	}
	got, err = run0(t, "sweep", "--quiet", file, "--variant", "1")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "--variant 1", got, "run 1 compare.k=3,seed=1: done", "pretrain")
	if strings.Contains(got, "sweep report") {
		t.Errorf("--variant wrote the sweep report:\n%s", got)
	}
	got, err = run0(t, "sweep", file, "--gather")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "--gather", got, "1 of 2 runs done", "missing (not run yet or interrupted): 0 (compare.k=1,seed=1)", filepath.Join(out, "sweep.md"))
	got, err = run0(t, "sweep", "--quiet", file)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "sweep", got, "run 0 compare.k=1,seed=1: done (ran: compare", "reused: pretrain, finetune, reduce, generate",
		"run 1 compare.k=3,seed=1: done (ran: none; reused: none; up to date: pretrain, finetune, reduce, generate, compare)", "sweep report: "+filepath.Join(out, "sweep.md"))
	md, err := os.ReadFile(filepath.Join(out, "sweep.md"))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "sweep.md", string(md), "2 done, 0 failed, 0 missing", "pretrain from compare.k=3,seed=1")
	got, err = run0(t, "run", "--quiet", file)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "run FILE", got, "has a sweep section: running its 2 runs", "run 0 compare.k=1,seed=1: done (ran: none")
}

// TestSweepCommandErrors: bad flags and a grid over --max-runs are
// refused before anything runs.
func TestSweepCommandErrors(t *testing.T) {
	file := writeFile(t, "s.yaml", "output_dir: "+t.TempDir()+"\nsweep:\n  grid:\n    compare.k: [1, 2, 3]\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", file, "--max-runs", "2"}, "3 runs (3 compare.k x 1 seeds), more than 2: pass --max-runs 3"},
		{[]string{"sweep", file, "--list", "--gather"}, "give one of them"},
		{[]string{"sweep"}, "hourglass sweep FILE"},
		{[]string{"sweep", file, "--variant", "3"}, "--variant 3: the sweep has runs 0 to 2"},
		{[]string{"sweep", file, "--set", "sweep.grid.pretrain.epoch=[1,2]"}, `did you mean "pretrain.epochs"`},
		{[]string{"run", file, "--force", "compare"}, "--force applies to one experiment"},
	} {
		if _, err := run0(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}
