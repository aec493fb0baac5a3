package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix prefixes environment overrides: HOURGLASS_PRETRAIN_EPOCHS=5
// sets pretrain.epochs.
const EnvPrefix = "HOURGLASS"

// Options says where a configuration comes from. Precedence, highest first:
// Sets, environment, File, Default().
type Options struct {
	File string   // YAML experiment file; empty for defaults only
	Sets []string // "section.key=value" overrides; values are YAML scalars or flow lists
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// EnvName is the environment variable that overrides key.
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Keys lists every configuration key, dotted, in a stable order.
func Keys() []string {
	var keys []string
	flatten("", reflect.ValueOf(Default()), func(k string, _ any) { keys = append(keys, k) })
	return keys
}

// flatten calls f for every leaf key of a struct tagged with mapstructure.
func flatten(prefix string, v reflect.Value, f func(string, any)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		key := prefix + t.Field(i).Tag.Get("mapstructure")
		if t.Field(i).Type.Kind() == reflect.Struct {
			flatten(key+".", v.Field(i), f)
			continue
		}
		f(key, v.Field(i).Interface())
	}
}

// Load builds the effective configuration and validates it. Every error
// names where the bad value came from (the file, the environment variable or
// the --set flag), the key, the value, and what is allowed. A sweep section
// is read into Config.Sweep (its grid's keys checked, its values not:
// LoadSweep checks every run's configuration).
func Load(opts Options) (*Config, error) {
	cfg, _, err := load(opts, nil)
	return cfg, err
}

// override is a value set over every other source, and where it came from.
type override struct {
	value  any
	source string
}

// load is Load with overrides set above --set (a sweep run's values); it
// returns the viper instance too, for the sweep's grid.
func load(opts Options, over map[string]override) (*Config, *viper.Viper, error) {
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	v := viper.New()
	known := map[string]bool{}
	flatten("", reflect.ValueOf(Default()), func(k string, d any) {
		known[k] = true
		v.SetDefault(k, d)
		if k == gridKey {
			return // a grid comes from the file or --set sweep.grid.KEY=[...]
		}
		if s, ok := lookup(EnvName(k)); ok {
			v.Set(k, s) // applied before --set below, so --set wins
		}
	})
	if opts.File != "" {
		if err := readFile(v, opts.File); err != nil {
			return nil, nil, err
		}
	}
	sets := map[string]string{}
	for _, s := range opts.Sets {
		key, val, err := parseSet(s)
		if err != nil {
			return nil, nil, err
		}
		if !known[key] && !strings.HasPrefix(key, gridKey+".") {
			return nil, nil, unknownKey("--set "+s, key)
		}
		sets[key] = s
		v.Set(key, val)
	}
	for k, o := range over {
		v.Set(k, o.value)
	}
	base := sourceFunc(opts.File, sets, lookup)
	src := func(k string) string {
		if o, ok := over[k]; ok {
			return o.source
		}
		return base(k)
	}
	for _, k := range v.AllKeys() {
		if !known[k] && !strings.HasPrefix(k, gridKey+".") {
			return nil, nil, unknownKey(src(k), k)
		}
	}
	settings := v.AllSettings()
	if sw, ok := settings["sweep"].(map[string]any); ok {
		delete(sw, "grid") // read key by key below
	}
	cfg := &Config{}
	if err := decode(settings, cfg); err != nil {
		return nil, nil, decodeError(err, v, src)
	}
	grid, err := readGrid(v, src)
	if err != nil {
		return nil, nil, err
	}
	cfg.Sweep.Grid = grid
	if len(cfg.Data.Classes) == 0 {
		// [] and an absent key are one value: every class (so a saved
		// config.yaml, which writes classes: [], reads back equal).
		cfg.Data.Classes = nil
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, attachSources(err, src)
	}
	return cfg, v, nil
}

// decode is viper's Unmarshal with decoderOptions, from settings.
func decode(settings map[string]any, cfg *Config) error {
	c := &mapstructure.DecoderConfig{Result: cfg, Metadata: nil, TagName: "mapstructure"}
	decoderOptions(c)
	d, err := mapstructure.NewDecoder(c)
	if err != nil {
		return err
	}
	return d.Decode(settings)
}

func readFile(v *viper.Viper, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file %s: %w (pass an existing YAML file to --config; examples are in configs/)", path, err)
	}
	defer f.Close()
	v.SetConfigType("yaml")
	if err := v.MergeConfig(f); err != nil {
		return fmt.Errorf("config file %s: not valid YAML: %w", path, err)
	}
	return nil
}

// parseSet splits "section.key=value" and parses value as YAML, so that
// numbers, booleans and flow lists ([10, 100]) keep their types.
func parseSet(s string) (string, any, error) {
	key, raw, ok := strings.Cut(s, "=")
	key = strings.ToLower(strings.TrimSpace(key))
	if !ok || key == "" {
		return "", nil, fmt.Errorf("--set %q: expected section.key=value, for example --set pretrain.epochs=5", s)
	}
	var val any
	if err := yaml.Unmarshal([]byte(raw), &val); err != nil || val == nil {
		val = raw
	}
	return key, val, nil
}

func sourceFunc(file string, sets map[string]string, lookup func(string) (string, bool)) func(string) string {
	return func(key string) string {
		if s, ok := sets[key]; ok {
			return "--set " + s
		}
		if _, ok := lookup(EnvName(key)); ok {
			return "environment variable " + EnvName(key)
		}
		if file != "" {
			return "config file " + file
		}
		return "defaults"
	}
}

// movedKeys are keys of earlier versions and where they went.
var movedKeys = map[string]string{"pretrain.latent": "model.code"}

func unknownKey(source, key string) error {
	msg := fmt.Sprintf("%s: unknown key %q", source, key)
	if to, ok := movedKeys[key]; ok {
		msg += fmt.Sprintf(" (it moved to %q)", to)
	} else if s := closest(key, Keys()); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return errors.New(msg + "; the keys are listed in configs/README.md")
}

// closest returns the known key nearest to key by edit distance, if close.
func closest(key string, keys []string) string { return Nearest(key, keys, 3) }

// Nearest returns the option nearest to word by edit distance (the first
// of equals), or "" when none is within that many edits: the "did you
// mean" of unknown keys and of data.classes' names.
func Nearest(word string, options []string, within int) string {
	best, bestD := "", within+1
	for _, o := range options {
		if d := editDistance(word, o); d < bestD {
			best, bestD = o, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func decoderOptions(c *mapstructure.DecoderConfig) {
	c.WeaklyTypedInput = false
	c.ErrorUnused = true
	c.DecodeHook = strictHook
}

// strictHook converts strings (from the environment, or quoted YAML) to the
// target kind and refuses lossy conversions, such as 2.5 for an integer.
func strictHook(_ reflect.Type, t reflect.Type, data any) (any, error) {
	data = plain(data)
	if t.Kind() == reflect.Slice {
		switch d := data.(type) {
		case string:
			parts := strings.Split(d, ",")
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = strings.TrimSpace(p)
			}
			return out, nil
		default:
			if reflect.TypeOf(d).Kind() == reflect.Slice {
				return d, nil
			}
			return []any{d}, nil
		}
	}
	if t == reflect.TypeOf(AllLabels) {
		if s, ok := data.(string); ok && strings.EqualFold(strings.TrimSpace(s), "all") {
			return AllLabels, nil
		}
		// Only the word means all: a number below 1, AllLabels' -1
		// included, is refused here.
		n, err := toInt(data)
		if err != nil {
			return nil, fmt.Errorf("expected %s, got %v", LabelCountsAllowed, data)
		}
		if reflect.ValueOf(n).Int() < 1 {
			return nil, fmt.Errorf("expected %s, got %v", LabelCountsAllowed, data)
		}
		return n, nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return toInt(data)
	case reflect.Float64:
		return toFloat(data)
	case reflect.String:
		switch data.(type) {
		case string:
			return data, nil
		case int, int64, float64:
			return fmt.Sprint(data), nil
		}
		return nil, fmt.Errorf("expected a string, got %v", data)
	}
	return data, nil
}

// plain turns values of named types (the defaults' LabelCount, Method)
// into the built-in type of their kind.
func plain(data any) any {
	v := reflect.ValueOf(data)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if _, ok := data.(int); !ok {
			return v.Int()
		}
	case reflect.String:
		if _, ok := data.(string); !ok {
			return v.String()
		}
	}
	return data
}

func toInt(data any) (any, error) {
	switch d := data.(type) {
	case int, int64:
		return d, nil
	case float64:
		if d != math.Trunc(d) {
			return nil, fmt.Errorf("expected a whole number, got %v", d)
		}
		return int64(d), nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(d), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("expected an integer, got %q", d)
		}
		return n, nil
	}
	return nil, fmt.Errorf("expected an integer, got %v", data)
}

func toFloat(data any) (any, error) {
	switch d := data.(type) {
	case int:
		return float64(d), nil
	case int64:
		return float64(d), nil
	case float64:
		return d, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(d), 64)
		if err != nil {
			return nil, fmt.Errorf("expected a number, got %q", d)
		}
		return f, nil
	}
	return nil, fmt.Errorf("expected a number, got %v", data)
}

// decodeError rewrites mapstructure's error into one FieldError per key.
func decodeError(err error, v *viper.Viper, src func(string) string) error {
	var de *mapstructure.DecodeError
	if !errors.As(err, &de) {
		return err
	}
	key := strings.ToLower(de.Name())
	var val any
	if i := strings.Index(key, "["); i >= 0 {
		// A list element: report the list's key and the element.
		elem, err := strconv.Atoi(strings.TrimSuffix(key[i+1:], "]"))
		key = key[:i]
		if val = v.Get(key); err == nil {
			val = listElement(val, elem)
		}
	} else {
		val = v.Get(key)
	}
	allowed := de.Unwrap().Error()
	if i := strings.Index(allowed, "expected "); i >= 0 {
		allowed = strings.TrimPrefix(allowed[i:], "expected ")
		if j := strings.Index(allowed, ", got"); j >= 0 {
			allowed = allowed[:j]
		}
	}
	return &FieldError{Key: key, Value: val, Allowed: allowed, Source: src(key)}
}

// listElement is list's element i, or list itself when it is no list (a
// comma-separated environment variable) or too short.
func listElement(list any, i int) any {
	l := reflect.ValueOf(list)
	if l.Kind() != reflect.Slice || i < 0 || i >= l.Len() {
		return list
	}
	return l.Index(i).Interface()
}

// attachSources fills FieldError.Source for every error joined in err.
func attachSources(err error, src func(string) string) error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
			return
		}
		var fe *FieldError
		if errors.As(e, &fe) {
			fe.Source = src(fe.Key)
		}
		out = append(out, e)
	}
	walk(err)
	return errors.Join(out...)
}

// YAML renders the configuration as YAML, the form `config show` prints and
// every stage writes next to its outputs.
func (c *Config) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Save writes the configuration as YAML to path atomically: every stage
// keeps the effective configuration next to its outputs.
func (c *Config) Save(path string) error {
	b, err := c.YAML()
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, b)
}
