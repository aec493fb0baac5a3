package compare

import (
	"flag"
	"regexp"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
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
var update testutil.UpdateFlag

func init() { flag.Var(&update, "update", testutil.UpdateUsage) }

// checkGolden compares got with testdata/name, rewriting the file first
// when -update matches its name.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	update.CheckGolden(t, "./compare", name, got)
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
		var u testutil.UpdateFlag
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.Var(&u, "update", "")
		if err := fs.Parse(c.args); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		for i, n := range names {
			if got := u.Matches(n); got != c.want[i] {
				t.Errorf("%v: %s selected %v, want %v", c.args, n, got, c.want[i])
			}
		}
	}
	var u testutil.UpdateFlag
	if err := u.Set("report_(vae"); err == nil || !regexp.MustCompile(`-update=report_\(vae`).MatchString(err.Error()) {
		t.Errorf("a bad expression: error %v", err)
	}
}
