package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cliArgsEnv, set, makes the test binary run the hourglass command line
// with its arguments (separated by \x1f) instead of the tests: a second
// process for the tests that need two.
const cliArgsEnv = "HOURGLASS_TEST_CLI_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(cliArgsEnv); ok {
		cmd := NewRootCommand()
		cmd.SetArgs(strings.Split(args, "\x1f"))
		if err := cmd.Execute(); err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// hourglassProcess is `hourglass args...` as a process of its own.
func hourglassProcess(args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cliArgsEnv+"="+strings.Join(args, "\x1f"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// TestSweepTwoProcesses: two `hourglass sweep FILE --variant N` processes
// started at the same moment on the two runs of a compare.k sweep, which
// share every stage but compare, on real Fashion-MNIST; then --gather.
// Pretraining (and every other shared stage) is computed once and reused
// once, whichever process wins the stage's lock, and the gathered report
// has the same figures as a sequential sweep of the same file.
func TestSweepTwoProcesses(t *testing.T) {
	base, out := experimentFile(t)
	b, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "sweep.yaml", string(b)+"sweep:\n  grid:\n    compare.k: [1, 3]\n")
	var cmds [2]*exec.Cmd
	var logs [2]*bytes.Buffer
	for i := range cmds {
		cmds[i], logs[i] = hourglassProcess("sweep", file, "--variant", fmt.Sprint(i))
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("--variant %d: %v\n%s", i, err, logs[i])
		}
	}
	for i, l := range logs {
		if strings.Contains(l.String(), "waiting for it") {
			t.Logf("--variant %d waited for the other process's stage", i)
		}
	}
	if _, err := run0(t, "sweep", "--quiet", file, "--gather"); err != nil {
		t.Fatal(err)
	}
	par := readSweep(t, out)
	if par.Computed != 6 || par.Reused != 4 {
		t.Errorf("%d stages computed, %d reused; want 6 and 4 (pretrain, finetune, reduce, generate once each, compare in both)\n%s\n%s",
			par.Computed, par.Reused, logs[0], logs[1])
	}
	reused := 0
	for _, r := range par.Runs {
		if r.Reused["pretrain"] != "" {
			reused++
		}
	}
	if reused != 1 {
		t.Errorf("%d runs reused pretraining, want 1: %+v", reused, par.Runs)
	}
	seqOut := t.TempDir()
	if _, err := run0(t, "sweep", "--quiet", file, "--set", "output_dir="+seqOut); err != nil {
		t.Fatal(err)
	}
	seq := readSweep(t, seqOut)
	if len(seq.Runs) != len(par.Runs) {
		t.Fatalf("%d runs sequential, %d in two processes", len(seq.Runs), len(par.Runs))
	}
	for i := range seq.Runs {
		a, b := par.Runs[i].Figures, seq.Runs[i].Figures
		for f, x := range b {
			if strings.HasPrefix(f, "seconds:") {
				continue
			}
			if y, ok := a[f]; !ok || y != x {
				t.Errorf("run %d %s: %v in two processes, %v sequential", i, f, y, x)
			}
		}
	}
	if fmt.Sprint(par.Conclusions) != fmt.Sprint(seq.Conclusions) {
		t.Errorf("conclusions differ:\n%q\n%q", par.Conclusions, seq.Conclusions)
	}
}

// sweepJSON is what the test reads of sweep.json.
type sweepJSON struct {
	Computed int `json:"stages_computed"`
	Reused   int `json:"stages_reused"`
	Runs     []struct {
		Reused  map[string]string  `json:"reused"`
		Figures map[string]float64 `json:"figures"`
	} `json:"runs"`
	Conclusions []string `json:"conclusions"`
}

func readSweep(t *testing.T, dir string) sweepJSON {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s sweepJSON
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}
