package config

import (
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docRow is one row of configs/README.md's key table.
type docRow struct {
	key, def, allowed string
}

// readDocRows reads the key table of configs/README.md: rows of the form
// | `key` | `default` | allowed | meaning |.
func readDocRows(t *testing.T) map[string]docRow {
	t.Helper()
	b, err := os.ReadFile("../../../configs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]docRow{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, " | ")
		if len(cells) < 4 {
			t.Fatalf("configs/README.md: a key row with %d cells, want 4: %s", len(cells), line)
		}
		key := strings.Trim(strings.TrimPrefix(cells[0], "| "), "`")
		rows[key] = docRow{key: key, def: strings.Trim(cells[1], "`"), allowed: cells[2]}
	}
	return rows
}

// defaultOf is a key's value in Default().
func defaultOf(key string) any {
	var d any
	flatten("", reflect.ValueOf(Default()), func(k string, v any) {
		if k == key {
			d = v
		}
	})
	return d
}

// kindOf is the kind of a key's value in Default(), and of its elements
// for a list.
func kindOf(key string) (kind reflect.Kind, list bool) {
	t := reflect.TypeOf(defaultOf(key))
	if t.Kind() == reflect.Slice {
		return t.Elem().Kind(), true
	}
	return t.Kind(), false
}

// needs holds what a key's other values need beside them: every data
// source but fashion-mnist needs a data.dir.
var needs = map[string][]string{"data.source": {"data.dir=some/folder"}}

// loads is the error, if any, of loading --set key=value.
func loads(key, value string) error {
	_, err := Load(Options{Sets: append([]string{key + "=" + value}, needs[key]...), LookupEnv: env(nil)})
	return err
}

// TestDocumentedDefaults: every default in configs/README.md, set through
// --set (the same keys, YAML parsing and decoding a user's value goes
// through), gives exactly config.Default().
func TestDocumentedDefaults(t *testing.T) {
	rows := readDocRows(t)
	for _, k := range Keys() {
		r, ok := rows[k]
		if !ok {
			t.Errorf("configs/README.md has no row for %s", k)
			continue
		}
		got, err := Load(Options{Sets: []string{k + "=" + r.def}, LookupEnv: env(nil)})
		if err != nil {
			t.Errorf("%s: the documented default %s does not load: %v", k, r.def, err)
			continue
		}
		if !reflect.DeepEqual(*got, Default()) {
			t.Errorf("%s: the documented default %s differs from config.Default()'s %v", k, r.def, defaultOf(k))
		}
	}
}

// bound is one end of a documented range.
type bound struct {
	v      float64
	closed bool // the end itself is allowed
}

// docRange is a parsed "allowed" cell; a nil end is unbounded.
type docRange struct{ lo, hi *bound }

var (
	intSpan  = regexp.MustCompile(`^(\d+)-(\d+)$`)                // 1-576
	atLeast  = regexp.MustCompile(`^(?:integers )?(>=|>) (\S+)$`) // >= 1, > 0, integers >= 1
	interval = regexp.MustCompile(`^([\[(])(\S+), (\S+)([\])])$`) // [0, 1), (0, 1)
	zeroAll  = regexp.MustCompile(`^0 \(all\)`)                   // 0 (all), or up to ...
	allOr    = regexp.MustCompile(",? or `all`$")                 // 1-6000 or `all`; integers >= 1, or `all`
	enum     = regexp.MustCompile("^`[^`]+`(, `[^`]+`)*$")        // `go`, `xla:cpu`
)

// parseRange reads the allowed cell's numeric range, if it has one. A
// cell that depends on data.source gives fashion-mnist's part, the
// default source.
func parseRange(allowed string) (docRange, bool) {
	allowed = allOr.ReplaceAllString(allowed, "") // the word all is no number
	if rest, ok := strings.CutPrefix(allowed, "fashion-mnist: "); ok {
		allowed, _, _ = strings.Cut(rest, ";")
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			panic("configs/README.md: a range end that is no number: " + s)
		}
		return v
	}
	switch {
	case intSpan.MatchString(allowed):
		m := intSpan.FindStringSubmatch(allowed)
		return docRange{&bound{num(m[1]), true}, &bound{num(m[2]), true}}, true
	case atLeast.MatchString(allowed):
		m := atLeast.FindStringSubmatch(allowed)
		return docRange{lo: &bound{num(m[2]), m[1] == ">="}}, true
	case interval.MatchString(allowed):
		m := interval.FindStringSubmatch(allowed)
		return docRange{&bound{num(m[2]), m[1] == "["}, &bound{num(m[3]), m[4] == "]"}}, true
	case zeroAll.MatchString(allowed):
		return docRange{lo: &bound{0, true}}, true
	}
	return docRange{}, false
}

// TestDocumentedRanges: for every numeric key, configs/README.md's range
// is the validator's. Each documented end loads (or, for an open end, the
// next representable value inside it) and the value just outside it (the
// next integer, or the next float64) is an error naming the key. Keys
// listed as a set of values accept each value and refuse another.
func TestDocumentedRanges(t *testing.T) {
	rows := readDocRows(t)
	checked := 0
	for _, k := range Keys() {
		r, ok := rows[k]
		if !ok {
			continue // TestDocumentedDefaults reports it
		}
		kind, list := kindOf(k)
		format := func(v float64) string {
			s := strconv.FormatFloat(v, 'g', -1, 64)
			if list {
				return "[" + s + "]"
			}
			return s
		}
		ok2 := func(v float64, what string) {
			if err := loads(k, format(v)); err != nil {
				t.Errorf("%s = %s (%s of the documented %s) is refused: %v", k, format(v), what, r.allowed, err)
			}
		}
		bad := func(v float64, what string) {
			err := loads(k, format(v))
			if err == nil {
				t.Errorf("%s = %s (%s the documented %s) is accepted", k, format(v), what, r.allowed)
			} else if !strings.Contains(err.Error(), k) {
				t.Errorf("%s = %s: the error does not name the key: %v", k, format(v), err)
			}
		}
		if enum.MatchString(r.allowed) {
			for _, v := range strings.Split(r.allowed, ", ") {
				if err := loads(k, strings.Trim(v, "`")); err != nil {
					t.Errorf("%s = %s (documented) is refused: %v", k, v, err)
				}
			}
			bad := "no-such-value"
			if err := loads(k, bad); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%s = %s (not among %s): error %v", k, bad, r.allowed, err)
			}
			checked++
			continue
		}
		if k == "model.input" {
			continue // a shape, not a range: TestModelSection checks it
		}
		numeric := kind == reflect.Int || kind == reflect.Int64 || kind == reflect.Float64
		rg, parsed := parseRange(r.allowed)
		if !parsed {
			if numeric && r.allowed != "integer" {
				t.Errorf("%s: configs/README.md's allowed %q is no range this test reads (n-m, >= n, > n, [a, b), (a, b))", k, r.allowed)
			}
			continue
		}
		// step moves one representable value from v in direction dir.
		step := func(v, dir float64) float64 {
			if kind == reflect.Float64 {
				return math.Nextafter(v, v+dir)
			}
			return v + dir
		}
		if b := rg.lo; b != nil {
			if b.closed {
				ok2(b.v, "the lower end")
				bad(step(b.v, -1), "just below")
			} else {
				ok2(step(b.v, 1), "just inside the lower end")
				bad(b.v, "the open lower end of")
			}
		}
		if b := rg.hi; b != nil {
			if b.closed {
				ok2(b.v, "the upper end")
				bad(step(b.v, 1), "just above")
			} else {
				ok2(step(b.v, -1), "just inside the upper end")
				bad(b.v, "the open upper end of")
			}
		}
		checked++
	}
	// Expected count: the rows of configs/README.md with a range or a set
	// of values: all but name, seed, output_dir, data.dir, data.classes,
	// data.unlabelled, pretrain.from, generate.autoencoder, finetune.methods,
	// model.input and sweep.grid.
	if want := len(Keys()) - 11; checked != want {
		t.Errorf("%d keys' ranges checked, want %d: a range the parser no longer reads?", checked, want)
	}
}
