package hourglass_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// xRegister matches an SSE register operand (X0 to X31).
var xRegister = regexp.MustCompile(`\bX([0-9]|[12][0-9]|3[01])\b`)

// legacySSE reports whether an assembly line is an instruction in the
// legacy (non-VEX) SSE encoding: a mnemonic not starting with V and an X
// register operand. After an AVX instruction has written the upper half of
// a Y register, such an instruction stalls on a state transition: MOVQ
// AX, X13 after a VPBROADCASTD to Y12 cost every AVX2 element-wise call
// about 115 ns on the 2-core AMD EPYC (Zen 3): mulY on 64 values took
// 121-124 ns a call with it and 6.3-7.8 ns with VMOVD, its VEX form.
func legacySSE(line string) bool {
	line = strings.TrimSuffix(strings.TrimSpace(line), `\`)
	if i := strings.Index(line, "//"); i >= 0 {
		line = line[:i]
	}
	if strings.HasPrefix(strings.TrimSpace(line), "#") {
		return false
	}
	for _, ins := range strings.Split(line, ";") {
		f := strings.Fields(ins)
		if len(f) > 0 && strings.HasSuffix(f[0], ":") { // a label before the instruction
			f = f[1:]
		}
		if len(f) < 2 {
			continue
		}
		m := f[0]
		if m != strings.ToUpper(m) || strings.HasPrefix(m, "V") || m == "TEXT" || m == "DATA" || m == "GLOBL" {
			continue
		}
		if xRegister.MatchString(strings.Join(f[1:], " ")) {
			return true
		}
	}
	return false
}

func TestLegacySSE(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"\tMOVQ AX, X12 \\", true},
		{"\tMOVL AX, X12", true},
		{"\tMOVSS (SI), X0 // a scalar", true},
		{"\tVMOVD AX, X12 \\", false},
		{"\tVPBROADCASTD X12, Y12", false},
		{"\tMOVQ d+0(FP), DI", false},
		{"\tVMOVUPS (SI)(R9*1), Y0", false},
		{"// MOVQ AX, X12 in a comment", false},
		{"kloop:", false},
		{"#define CONSTS \\", false},
		{"loop: MOVQ AX, X12", true},
		{"\tVMOVD AX, X12; MOVQ AX, X13", true},
		{"\tVMOVD AX, X12; VPBROADCASTD X12, Y12", false},
	} {
		if got := legacySSE(tc.line); got != tc.want {
			t.Errorf("legacySSE(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestNoLegacySSE checks that no amd64 assembly file of this module mixes
// legacy SSE instructions into its AVX code (see legacySSE); vendored
// packages are not its business.
func TestNoLegacySSE(t *testing.T) {
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "runs" || d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_amd64.s") {
			return nil
		}
		files++
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			if legacySSE(sc.Text()) {
				t.Errorf("%s:%d: %q is a legacy SSE instruction; use its VEX form (VMOVD, VMOVQ, ...)", path, n, strings.TrimSpace(sc.Text()))
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no *_amd64.s files found: run from the repository root")
	}
}
