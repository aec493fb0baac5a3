package compare

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// update rewrites golden files in testdata/ after a deliberate change;
// read every diff it makes before committing it:
//
//	go test ./compare -update                      every golden file
//	go test ./compare -update=report_vae           the files whose name matches,
//	go test ./compare -update='conclusion_(claim|leads)'  a regular expression
//
// (Run with -run to limit which tests run; only the golden files the
// running tests check are rewritten.)
var update updateFlag

func init() {
	flag.Var(&update, "update", "rewrite the golden files in testdata/ (all, or with =REGEXP those whose name matches)")
}

// updateFlag is -update: a boolean flag that also takes a regular
// expression for the golden files' names.
type updateFlag struct{ re *regexp.Regexp }

func (u *updateFlag) IsBoolFlag() bool { return true }

func (u *updateFlag) String() string {
	if u == nil || u.re == nil {
		return "false"
	}
	return u.re.String()
}

func (u *updateFlag) Set(s string) error {
	switch s {
	case "false":
		u.re = nil
		return nil
	case "true":
		s = ""
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return fmt.Errorf("-update=%s is not a regular expression for golden files' names: %w", s, err)
	}
	u.re = re
	return nil
}

// matches is whether the golden file name is to be rewritten.
func (u *updateFlag) matches(name string) bool { return u.re != nil && u.re.MatchString(name) }

// checkGolden compares got with testdata/name, rewriting the file first
// when -update matches its name.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if update.matches(name) {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./compare -update=%s creates it)", err, name)
	}
	if got != string(want) {
		t.Errorf("differs from %s (go test ./compare -update=%s if the change is deliberate)\n--- got ---\n%s", golden, name, got)
	}
}

// TestUpdateFlag: -update alone selects every golden file, -update=RE
// those whose name matches, -update=false none; a bad expression is an
// error naming the flag.
func TestUpdateFlag(t *testing.T) {
	names := []string{"report_autoencoder.golden.md", "report_vae.golden.md", "conclusion_claim-open.golden"}
	for _, c := range []struct {
		args []string
		want []bool // per name; from the flag's documented meaning
	}{
		{nil, []bool{false, false, false}},
		{[]string{"-update"}, []bool{true, true, true}},
		{[]string{"-update=report_vae"}, []bool{false, true, false}},
		{[]string{"-update=^report_"}, []bool{true, true, false}},
		{[]string{"-update=conclusion_(claim|leads)"}, []bool{false, false, true}},
		{[]string{"-update", "-update=false"}, []bool{false, false, false}},
	} {
		var u updateFlag
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.Var(&u, "update", "")
		if err := fs.Parse(c.args); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		for i, n := range names {
			if got := u.matches(n); got != c.want[i] {
				t.Errorf("%v: %s selected %v, want %v", c.args, n, got, c.want[i])
			}
		}
	}
	var u updateFlag
	if err := u.Set("report_(vae"); err == nil || !regexp.MustCompile(`-update=report_\(vae`).MatchString(err.Error()) {
		t.Errorf("a bad expression: error %v", err)
	}
}
