package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// UpdateFlag is a test package's -update flag: a boolean flag that also
// takes a regular expression for the golden files' names, so one file can
// be rewritten at a time. A package registers it once:
//
//	var update testutil.UpdateFlag
//	func init() { flag.Var(&update, "update", testutil.UpdateUsage) }
//
// and then `go test ./PKG -update` rewrites every golden file its tests
// check, `go test ./PKG -update=report_vae` those whose name matches.
// Read every diff it makes before committing it.
type UpdateFlag struct{ re *regexp.Regexp }

// UpdateUsage is the -update flag's help.
const UpdateUsage = "rewrite the golden files in testdata/ (all, or with =REGEXP those whose name matches)"

func (u *UpdateFlag) IsBoolFlag() bool { return true }

func (u *UpdateFlag) String() string {
	if u == nil || u.re == nil {
		return "false"
	}
	return u.re.String()
}

func (u *UpdateFlag) Set(s string) error {
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

// Matches is whether the golden file name is to be rewritten.
func (u *UpdateFlag) Matches(name string) bool { return u.re != nil && u.re.MatchString(name) }

// CheckGolden compares got with testdata/name, rewriting the file first
// when the flag matches its name; pkg is the package's path for the
// message (./compare).
func (u *UpdateFlag) CheckGolden(t *testing.T, pkg, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if u.Matches(name) {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test %s -update=%s creates it)", err, pkg, name)
	}
	if got != string(want) {
		t.Errorf("differs from %s (go test %s -update=%s if the change is deliberate)\n--- got ---\n%s", golden, pkg, name, got)
	}
}
