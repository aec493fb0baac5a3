package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/viper"
)

// gridKey is the sweep's grid: sweep.grid.KEY lists KEY's values.
const gridKey = "sweep.grid"

// DefaultMaxRuns is the most runs a sweep starts unless told otherwise.
const DefaultMaxRuns = 100

// unsweepable are the keys a grid may not vary: every run writes into
// its own folder under output_dir and carries the experiment's name.
var unsweepable = map[string]string{
	"output_dir": "every run writes into <output_dir>/<run>/; set output_dir outside the grid",
	"name":       "the sweep's runs share its name; set name outside the grid",
}

// Axis is one swept key and the values it takes, in the order given.
type Axis struct {
	Key    string
	Values []any
}

// SweepRun is one experiment of a sweep: one value of every axis and one
// seed.
type SweepRun struct {
	Index  int    // 0-based, the order runs run in (hourglass sweep --variant N)
	Name   string // its folder's name under the sweep's output_dir: key=value,...,seed=N
	Values []any  // one per axis
	Seed   int64
	Config *Config // the full experiment, validated; OutputDir is <output_dir>/<Name>
}

// Point is the run's grid point: its values without the seed, the same
// for every seed of a variant.
func (r SweepRun) Point(axes []Axis) string {
	var parts []string
	for i, a := range axes {
		if a.Key != "seed" {
			parts = append(parts, a.Key+"="+FormatValue(r.Values[i]))
		}
	}
	return strings.Join(parts, ",")
}

// Plan is a sweep: the experiment it varies, the grid and every run.
type Plan struct {
	Base  *Config // the file's experiment, its sweep section included
	Axes  []Axis  // sorted by key
	Seeds int
	Runs  []SweepRun
}

// Dir is the sweep's folder, which holds a folder per run and the sweep
// report.
func (p *Plan) Dir() string { return p.Base.OutputDir }

// LoadSweep loads an experiment file with a sweep section and builds
// every run's configuration: the grid's keys sorted, the product of their
// values in that order (the last key fastest), each with sweep.seeds
// seeds (seed, seed+1, ...; the last fastest). Every run's configuration
// is validated before the plan is returned, and a grid of more than
// maxRuns runs (DefaultMaxRuns when 0) is refused with its count.
func LoadSweep(opts Options, maxRuns int) (*Plan, error) {
	base, _, err := load(opts, nil)
	if err != nil {
		return nil, err
	}
	if maxRuns <= 0 {
		maxRuns = DefaultMaxRuns
	}
	p := &Plan{Base: base, Seeds: base.Sweep.Seeds}
	keys := make([]string, 0, len(base.Sweep.Grid))
	for k := range base.Sweep.Grid {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p.Axes = append(p.Axes, Axis{Key: k, Values: base.Sweep.Grid[k]})
	}
	where := opts.File
	if where == "" {
		where = "the --set flags"
	}
	if !base.Sweep.IsSweep() {
		return nil, fmt.Errorf("%s has no sweep: add sweep.grid (a list of values per key, e.g. sweep: {grid: {compare.k: [1, 5]}}) or sweep.seeds above 1; `hourglass run` runs a single experiment", where)
	}
	n, counts := p.Seeds, []string{}
	for _, a := range p.Axes {
		n *= len(a.Values)
		counts = append(counts, fmt.Sprintf("%d %s", len(a.Values), a.Key))
		if n > 1<<20 {
			break // far past any limit; the count below says so
		}
	}
	counts = append(counts, fmt.Sprintf("%d seeds", p.Seeds))
	if n > maxRuns {
		return nil, fmt.Errorf("%s: the sweep has %d runs (%s), more than %d: pass --max-runs %d to run them all, or shrink sweep.grid",
			where, n, strings.Join(counts, " x "), maxRuns, n)
	}
	if slices.ContainsFunc(p.Axes, func(a Axis) bool { return a.Key == "seed" }) && p.Seeds > 1 {
		return nil, fmt.Errorf("%s: seed is swept and sweep.seeds is %d: give the seeds in sweep.grid.seed and leave sweep.seeds at 1", where, p.Seeds)
	}
	sources := gridSources(opts)
	var errs []error
	seen := map[string]string{} // error message -> first run's name
	repeats := map[string]int{}
	names := map[string]int{}
	for i := 0; i < n; i++ {
		r := p.run(i)
		if j, ok := names[r.Name]; ok {
			return nil, fmt.Errorf("%s: runs %d and %d would share the folder %q: two values of a swept key differ only in characters a folder name cannot hold; make them differ otherwise", where, j, i, r.Name)
		}
		names[r.Name] = i
		over := map[string]override{
			"seed":        {r.Seed, "sweep run " + r.Name},
			"output_dir":  {filepath.Join(base.OutputDir, r.Name), "sweep run " + r.Name},
			"name":        {base.Name + "/" + r.Name, "sweep run " + r.Name},
			"sweep.seeds": {1, "sweep run " + r.Name},
		}
		for j, a := range p.Axes {
			if a.Key != "seed" {
				over[a.Key] = override{r.Values[j], sources(a.Key)}
			}
		}
		cfg, _, err := load(opts, over)
		if err != nil {
			msg := err.Error()
			if _, ok := seen[msg]; ok {
				repeats[msg]++
				continue
			}
			seen[msg] = r.Name
			errs = append(errs, fmt.Errorf("sweep run %d (%s): %w", i, r.Name, err))
			continue
		}
		cfg.Sweep = Sweep{Seeds: 1}
		r.Config = cfg
		p.Runs = append(p.Runs, r)
	}
	if len(errs) > 0 {
		for i, e := range errs {
			inner := e
			if u := errors.Unwrap(e); u != nil {
				inner = u
			}
			if k := repeats[inner.Error()]; k > 0 {
				errs[i] = fmt.Errorf("%w (and %d more runs with the same value)", e, k)
			}
		}
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// run is run i's values, seed and name (without its configuration).
func (p *Plan) run(i int) SweepRun {
	r := SweepRun{Index: i, Values: make([]any, len(p.Axes))}
	s := i % p.Seeds
	rest := i / p.Seeds
	for j := len(p.Axes) - 1; j >= 0; j-- {
		vs := p.Axes[j].Values
		r.Values[j] = vs[rest%len(vs)]
		rest /= len(vs)
	}
	r.Seed = p.Base.Seed + int64(s)
	for j, a := range p.Axes {
		if a.Key == "seed" {
			seed, err := strconv.ParseInt(FormatValue(r.Values[j]), 10, 64)
			if err == nil {
				r.Seed = seed
			}
		}
	}
	r.Name = RunName(p.Axes, r.Values, r.Seed)
	return r
}

// RunName is a run's folder name: key=value for every swept key but the
// seed, sorted by key, then seed=N, with every character a file name
// should not hold replaced by _. Lists are joined by +
// (model.filters=16+32+64). A name longer than 200 bytes is cut and ends
// in a hash of the whole, so that it stays unique.
func RunName(axes []Axis, values []any, seed int64) string {
	var parts []string
	for i, a := range axes {
		if a.Key != "seed" {
			parts = append(parts, a.Key+"="+FormatValue(values[i]))
		}
	}
	parts = append(parts, "seed="+strconv.FormatInt(seed, 10))
	name := sanitise(strings.Join(parts, ","))
	if len(name) > 200 {
		sum := sha256.Sum256([]byte(name))
		name = name[:183] + "~" + hex.EncodeToString(sum[:8])
	}
	return name
}

// FormatValue writes a swept value as people and folder names read it:
// numbers as the shortest decimal, lists joined by +.
func FormatValue(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e)
		}
		return strings.Join(parts, "+")
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// sanitise keeps letters, digits and . _ + = , - and replaces anything
// else (a slash, a space, a colon) by _.
func sanitise(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("._+=,-", c) >= 0
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

// gridSources says where each swept key's values came from.
func gridSources(opts Options) func(key string) string {
	sets := map[string]string{}
	for _, s := range opts.Sets {
		if k, _, err := parseSet(s); err == nil {
			sets[k] = s
		}
	}
	return func(key string) string {
		if s, ok := sets[gridKey+"."+key]; ok {
			return "--set " + s
		}
		if opts.File != "" {
			return "config file " + opts.File + ", " + gridKey + "." + key
		}
		return gridKey + "." + key
	}
}

// readGrid reads sweep.grid.KEY for every KEY given: a known key that may
// be swept, with a non-empty list of values.
func readGrid(v *viper.Viper, src func(string) string) (map[string][]any, error) {
	if s, ok := v.Get(gridKey).(string); ok && s != "" {
		return nil, fmt.Errorf("%s: %s = %q: a grid is a map of keys to lists; set it in the file or with --set %s.KEY=[v1,v2]", src(gridKey), gridKey, s, gridKey)
	}
	keys := Keys()
	var grid map[string][]any
	var errs []error
	for _, k := range v.AllKeys() {
		key, ok := strings.CutPrefix(k, gridKey+".")
		if !ok {
			continue
		}
		where := src(k)
		if why, ok := unsweepable[key]; ok {
			errs = append(errs, fmt.Errorf("%s: %s.%s: %s cannot be swept (%s)", where, gridKey, key, key, why))
			continue
		}
		if strings.HasPrefix(key, "sweep.") {
			errs = append(errs, fmt.Errorf("%s: %s.%s: the sweep section cannot be swept", where, gridKey, key))
			continue
		}
		if !slices.Contains(keys, key) {
			errs = append(errs, unknownKey(where+", "+gridKey, key))
			continue
		}
		val := v.Get(k)
		list, ok := val.([]any)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: %s.%s = %v is no list: give the values to sweep as a list, e.g. %s: [%v]", where, gridKey, key, quoteValue(val), key, FormatValue(val)))
		case len(list) == 0:
			errs = append(errs, fmt.Errorf("%s: %s.%s is an empty list: give at least one value (a sweep of no values runs nothing)", where, gridKey, key))
		default:
			for i, x := range list {
				if slices.ContainsFunc(list[:i], func(y any) bool { return FormatValue(y) == FormatValue(x) }) {
					errs = append(errs, fmt.Errorf("%s: %s.%s lists %s twice: each value once", where, gridKey, key, FormatValue(x)))
				}
			}
			if grid == nil {
				grid = map[string][]any{}
			}
			grid[key] = list
		}
	}
	return grid, errors.Join(errs...)
}
