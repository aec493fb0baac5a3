package hourglass_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/hourglass-ml/hourglass"

// readLayers reads the layer table of README.md's "Layout" section: the
// rows between the two markers, top layer first. It returns each
// package's row index.
func readLayers(r io.Reader) (map[string]int, error) {
	rank := map[string]int{}
	in, row := false, 0
	pkg := regexp.MustCompile("`([^`]+)`")
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "<!-- layers:"):
			in = true
			continue
		case strings.HasPrefix(line, "<!-- end of layers"):
			in = false
		}
		if !in || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| layer |") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			return nil, fmt.Errorf("layer row %q has no packages column", line)
		}
		for _, m := range pkg.FindAllStringSubmatch(cells[2], -1) {
			if prev, ok := rank[m[1]]; ok {
				return nil, fmt.Errorf("%s is in layer rows %d and %d", m[1], prev, row)
			}
			rank[m[1]] = row
		}
		row++
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rank) == 0 {
		return nil, fmt.Errorf("no layer table between <!-- layers: and <!-- end of layers")
	}
	return rank, nil
}

// goPackage is the part of `go list -json` the check reads.
type goPackage struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T, tags string) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-tags", tags, "-json", "./...")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// violations lists the imports of pkgs against rank: every package of the
// module must have a row, and may import only packages of rows below it.
func violations(pkgs []goPackage, rank map[string]int) []string {
	var bad []string
	rel := func(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }
	for _, p := range pkgs {
		from := rel(p.ImportPath)
		if from == "" { // this test's own package
			continue
		}
		r, ok := rank[from]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s has no row in README's layer table", from))
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := rel(imp)
			ri, ok := rank[to]
			switch {
			case !ok:
				bad = append(bad, fmt.Sprintf("%s imports %s, which has no row in README's layer table", from, to))
			case ri <= r:
				bad = append(bad, fmt.Sprintf("%s (layer row %d) imports %s (row %d): a package imports only rows below its own", from, r, to, ri))
			}
		}
	}
	return bad
}

func TestImportsFollowLayers(t *testing.T) {
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rank, err := readLayers(f)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	for _, tags := range []string{"", "xla", "purego"} {
		for _, v := range violations(listPackages(t, tags), rank) {
			t.Errorf("-tags %q: %s", tags, v)
		}
	}
}

// TestLayerCheckCatches runs the check on a made-up table and import list,
// so a check that lets everything through fails here.
func TestLayerCheckCatches(t *testing.T) {
	table := "<!-- layers: -->\n| layer | packages | what |\n|---|---|---|\n" +
		"| top | `a` | |\n| stages | `b`, `c` | |\n| bottom | `d` | |\n<!-- end of layers -->\n"
	rank, err := readLayers(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := []goPackage{
		{ImportPath: module + "/a", Imports: []string{module + "/b", module + "/d", "fmt"}},
		{ImportPath: module + "/b", Imports: []string{module + "/c"}}, // same row
		{ImportPath: module + "/d", Imports: []string{module + "/a"}}, // upwards
		{ImportPath: module + "/e"}, // no row
		{ImportPath: module + "/c", Imports: []string{module + "/internal/x"}}, // unknown import
	}
	got := violations(pkgs, rank)
	want := []string{"b (layer row 1) imports c", "d (layer row 2) imports a", "e has no row", "c imports internal/x"}
	if len(got) != len(want) {
		t.Fatalf("violations = %q, want %d of them", got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("violation %d = %q, want it to start %q", i, got[i], w)
		}
	}
}
