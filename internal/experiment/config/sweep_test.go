package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeSweep writes an experiment file into a temporary folder.
func writeSweep(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sweep.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSweepExpansion: the runs of a grid, in order, with their folder
// names and the values their configurations hold. The expected lists are
// written out by hand from the documented order: keys sorted, the last
// key fastest, seeds innermost.
func TestSweepExpansion(t *testing.T) {
	for _, tc := range []struct {
		name  string
		yaml  string
		sets  []string
		names []string
		check func(t *testing.T, runs []SweepRun)
	}{
		{
			name: "two keys, two seeds, dotted and nested forms",
			yaml: "output_dir: out\nseed: 7\nsweep:\n  seeds: 2\n  grid:\n    pretrain:\n      epochs: [5, 20]\n    model.code: [16, 2]\n",
			names: []string{
				"model.code=16,pretrain.epochs=5,seed=7", "model.code=16,pretrain.epochs=5,seed=8",
				"model.code=16,pretrain.epochs=20,seed=7", "model.code=16,pretrain.epochs=20,seed=8",
				"model.code=2,pretrain.epochs=5,seed=7", "model.code=2,pretrain.epochs=5,seed=8",
				"model.code=2,pretrain.epochs=20,seed=7", "model.code=2,pretrain.epochs=20,seed=8",
			},
			check: func(t *testing.T, runs []SweepRun) {
				c := runs[5].Config // model.code=2, epochs 5, seed 8
				if c.Model.Code != 2 || c.Pretrain.Epochs != 5 || c.Seed != 8 || c.OutputDir != filepath.Join("out", runs[5].Name) {
					t.Errorf("run 5's configuration: code %d epochs %d seed %d output %s", c.Model.Code, c.Pretrain.Epochs, c.Seed, c.OutputDir)
				}
				if c.Sweep.IsSweep() {
					t.Errorf("a run's configuration is itself a sweep: %+v", c.Sweep)
				}
			},
		},
		{
			name:  "lists, strings with unsafe characters, floats",
			yaml:  "sweep:\n  grid:\n    model.filters: [[16, 32], [8]]\n    data.dir: [\"a/b c\"]\n    pretrain.learning_rate: [1e-3]\n",
			names: []string{"data.dir=a_b_c,model.filters=16+32,pretrain.learning_rate=0.001,seed=1", "data.dir=a_b_c,model.filters=8,pretrain.learning_rate=0.001,seed=1"},
			check: func(t *testing.T, runs []SweepRun) {
				if !slices.Equal(runs[0].Config.Model.Filters, []int{16, 32}) || runs[0].Config.Data.Dir != "a/b c" {
					t.Errorf("run 0: filters %v, data.dir %q", runs[0].Config.Model.Filters, runs[0].Config.Data.Dir)
				}
			},
		},
		{
			name:  "--set sweep.grid.KEY overrides the file's list",
			yaml:  "sweep:\n  grid:\n    compare.k: [1, 2]\n",
			sets:  []string{"sweep.grid.compare.k=[3,9]", "sweep.seeds=2"},
			names: []string{"compare.k=3,seed=1", "compare.k=3,seed=2", "compare.k=9,seed=1", "compare.k=9,seed=2"},
			check: func(t *testing.T, runs []SweepRun) {
				if runs[2].Config.Compare.K != 9 {
					t.Errorf("run 2: compare.k %d, want 9", runs[2].Config.Compare.K)
				}
			},
		},
		{
			name:  "the seed swept",
			yaml:  "sweep:\n  grid:\n    seed: [3, 5]\n",
			names: []string{"seed=3", "seed=5"},
			check: func(t *testing.T, runs []SweepRun) {
				if runs[1].Config.Seed != 5 || runs[1].Seed != 5 {
					t.Errorf("run 1's seed: %d / %d, want 5", runs[1].Config.Seed, runs[1].Seed)
				}
			},
		},
		{
			name:  "seeds only",
			yaml:  "seed: 4\nsweep:\n  seeds: 3\n",
			names: []string{"seed=4", "seed=5", "seed=6"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LoadSweep(Options{File: writeSweep(t, tc.yaml), Sets: tc.sets, LookupEnv: env(nil)}, 0)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for i, r := range p.Runs {
				if r.Index != i {
					t.Errorf("run %d has index %d", i, r.Index)
				}
				names = append(names, r.Name)
			}
			if !slices.Equal(names, tc.names) {
				t.Errorf("runs:\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(tc.names, "\n"))
			}
			if tc.check != nil && len(p.Runs) == len(tc.names) {
				tc.check(t, p.Runs)
			}
		})
	}
}

// TestRunNameIsBounded: a very long value gives a name of at most 200
// bytes that still tells two long values apart.
func TestRunNameIsBounded(t *testing.T) {
	axes := []Axis{{Key: "data.dir"}}
	a := RunName(axes, []any{strings.Repeat("x", 300) + "a"}, 1)
	b := RunName(axes, []any{strings.Repeat("x", 300) + "b"}, 1)
	if len(a) > 200 || len(b) > 200 || a == b {
		t.Errorf("names of %d and %d bytes, equal: %v", len(a), len(b), a == b)
	}
}

// TestSweepBadInput: each bad sweep is refused before anything runs, with
// a message naming the key and the value.
func TestSweepBadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		yaml    string
		sets    []string
		maxRuns int
		want    []string
	}{
		{"unknown key", "sweep:\n  grid:\n    pretrain.epoch: [1, 2]\n", nil, 0,
			[]string{"sweep.grid", `unknown key "pretrain.epoch"`, `did you mean "pretrain.epochs"`}},
		{"unknown key from --set", "name: x\n", []string{"sweep.grid.compare.kk=[1,2]"}, 0,
			[]string{"--set sweep.grid.compare.kk=[1,2]", `unknown key "compare.kk"`, `did you mean "compare.k"`}},
		{"wrong type", "sweep:\n  grid:\n    pretrain.epochs: [5, fast]\n", nil, 0,
			[]string{"sweep run 1", "sweep.grid.pretrain.epochs", `"pretrain.epochs"`, `"fast"`}},
		{"out of range", "sweep:\n  grid:\n    compare.k: [5, 0]\n    pretrain.epochs: [1, 2]\n", nil, 0,
			[]string{"sweep run 2 (compare.k=0,pretrain.epochs=1,seed=1)", `key "compare.k" has bad value 0`, "an integer >= 1", "and 1 more runs"}},
		{"out of range only in combination", "model:\n  filters: [4]\nsweep:\n  grid:\n    model.code: [8, 1000]\n", nil, 0,
			[]string{"model.code=1000", `"model.code"`, "1000"}},
		{"empty list", "sweep:\n  grid:\n    compare.k: []\n", nil, 0,
			[]string{"sweep.grid.compare.k is an empty list"}},
		{"no list", "sweep:\n  grid:\n    compare.k: 5\n", nil, 0,
			[]string{"sweep.grid.compare.k = 5 is no list"}},
		{"output_dir swept", "sweep:\n  grid:\n    output_dir: [a, b]\n", nil, 0,
			[]string{"sweep.grid.output_dir", "output_dir cannot be swept"}},
		{"name swept", "sweep:\n  grid:\n    name: [a, b]\n", nil, 0,
			[]string{"sweep.grid.name", "name cannot be swept"}},
		{"a value twice", "sweep:\n  grid:\n    compare.k: [5, 5]\n", nil, 0,
			[]string{"sweep.grid.compare.k lists 5 twice"}},
		{"too many runs", "sweep:\n  seeds: 3\n  grid:\n    compare.k: [1, 2, 3, 4, 5, 6, 7]\n    pretrain.epochs: [1, 2, 3, 4, 5]\n", nil, 0,
			[]string{"105 runs", "7 compare.k x 5 pretrain.epochs x 3 seeds", "more than 100", "--max-runs 105"}},
		{"over --max-runs", "sweep:\n  grid:\n    compare.k: [1, 2, 3]\n", nil, 2,
			[]string{"3 runs", "more than 2", "--max-runs 3"}},
		{"seeds below 1", "sweep:\n  seeds: 0\n  grid:\n    compare.k: [1, 2]\n", nil, 0,
			[]string{`"sweep.seeds" has bad value 0`}},
		{"no sweep", "name: plain\n", nil, 0,
			[]string{"has no sweep", "sweep.grid"}},
		{"folder names collide", "sweep:\n  grid:\n    data.dir: [\"a/b\", \"a b\"]\n", nil, 0,
			[]string{"would share the folder", "data.dir=a_b"}},
		{"seed swept with seeds", "sweep:\n  seeds: 2\n  grid:\n    seed: [1, 5]\n", nil, 0,
			[]string{"seed is swept and sweep.seeds is 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSweep(Options{File: writeSweep(t, tc.yaml), Sets: tc.sets, LookupEnv: env(nil)}, tc.maxRuns)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestLoadReadsSweep: Load (as hourglass run uses it) keeps the sweep
// section, refuses a bad grid key, and a file without one is no sweep.
func TestLoadReadsSweep(t *testing.T) {
	cfg, err := Load(Options{File: writeSweep(t, "sweep:\n  grid:\n    compare.k: [1, 3]\n"), LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Sweep.IsSweep() || len(cfg.Sweep.Grid["compare.k"]) != 2 {
		t.Errorf("sweep section: %+v", cfg.Sweep)
	}
	if _, err := Load(Options{File: writeSweep(t, "sweep:\n  grid:\n    nope: [1]\n"), LookupEnv: env(nil)}); err == nil || !strings.Contains(err.Error(), `unknown key "nope"`) {
		t.Errorf("a bad grid key: %v", err)
	}
	plain, err := Load(Options{LookupEnv: env(nil)})
	if err != nil || plain.Sweep.IsSweep() {
		t.Errorf("defaults: %+v, %v", plain.Sweep, err)
	}
}
