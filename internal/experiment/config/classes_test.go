package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestDataClassesFromEachSource: data.classes reads from a file (names and
// numbers mixed, as YAML lists may), --set (flow lists, numbers or names
// with spaces), the environment (comma-separated) and, absent or empty,
// is nil: every class. Expected values are the lists as written, numbers
// in digits.
func TestDataClassesFromEachSource(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want []string
	}{
		{"file, names and indices", Options{File: writeYAML(t, "data:\n  classes: [sandal, Shirt, 7, \"ankle boot\"]\n")},
			[]string{"sandal", "Shirt", "7", "ankle boot"}},
		{"file, block list", Options{File: writeYAML(t, "data:\n  classes:\n    - 5\n    - T-shirt/top\n")}, []string{"5", "T-shirt/top"}},
		{"flag, indices", Options{Sets: []string{"data.classes=[5,6,7]"}}, []string{"5", "6", "7"}},
		{"flag, names", Options{Sets: []string{"data.classes=[sandal, ankle boot]"}}, []string{"sandal", "ankle boot"}},
		{"flag beats file", Options{File: writeYAML(t, "data:\n  classes: [0, 1]\n"), Sets: []string{"data.classes=[8, 9]"}}, []string{"8", "9"}},
		{"env", Options{LookupEnv: env(map[string]string{"HOURGLASS_DATA_CLASSES": "bag, 9"})}, []string{"bag", "9"}},
		{"absent", Options{}, nil},
		{"empty in file", Options{File: writeYAML(t, "data:\n  classes: []\n")}, nil},
		{"empty flag", Options{Sets: []string{"data.classes=[]"}}, nil},
	}
	for _, tc := range cases {
		if tc.opts.LookupEnv == nil {
			tc.opts.LookupEnv = env(nil)
		}
		c, err := Load(tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(c.Data.Classes, tc.want) {
			t.Errorf("%s: data.classes = %#v, want %#v", tc.name, c.Data.Classes, tc.want)
		}
	}
}

// TestDataClassesErrors: what can be told without the data is refused on
// loading, naming the source, the key, the value and what is allowed: one
// class, an entry twice (in any case), an empty entry, a value that is no
// name or number.
func TestDataClassesErrors(t *testing.T) {
	file := writeYAML(t, "data:\n  classes: [sandal, Shirt, SANDAL]\n")
	cases := []struct {
		name string
		opts Options
		want []string
	}{
		{"one class", Options{Sets: []string{"data.classes=[5]"}},
			[]string{"--set data.classes=[5]", `key "data.classes" has bad value [5]`, "2 or more", "one class leaves nothing to tell apart"}},
		{"one class by name", Options{Sets: []string{"data.classes=bag"}}, []string{`key "data.classes" has bad value [bag]`, "2 or more"}},
		{"twice in any case", Options{File: file},
			[]string{"config file " + file, `key "data.classes" has bad value [sandal Shirt SANDAL]`, `"sandal" and "SANDAL" are the same class; list it once`}},
		{"index twice", Options{Sets: []string{"data.classes=[5, 6, 5]"}}, []string{`bad value [5 6 5]`, `"5" and "5" are the same class`}},
		{"empty entry", Options{LookupEnv: env(map[string]string{"HOURGLASS_DATA_CLASSES": "bag,,9"})},
			[]string{"environment variable HOURGLASS_DATA_CLASSES", `key "data.classes"`, "an entry is empty"}},
		{"no name or number", Options{Sets: []string{"data.classes=[bag, true]"}}, []string{`key "data.classes"`, "true", "a string"}},
	}
	for _, tc := range cases {
		if tc.opts.LookupEnv == nil {
			tc.opts.LookupEnv = env(nil)
		}
		c, err := Load(tc.opts)
		if err == nil {
			t.Errorf("%s: accepted as %#v", tc.name, c.Data.Classes)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
	}
	// A configuration built in Go is validated the same way.
	c := Default()
	c.Data.Classes = []string{"7"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `key "data.classes" has bad value [7]; allowed: `+ClassesAllowed) {
		t.Errorf("Validate of data.classes [7]: %v", err)
	}
}

// TestDataClassesKeepFingerprints: without data.classes the data section
// encodes as JSON (the pipeline's fingerprints, results.json, the settings
// finetune and generate compare) exactly as before the key existed, given
// here as the section's fields then; with it, the classes are part of it.
func TestDataClassesKeepFingerprints(t *testing.T) {
	type before struct { // config.Data before data.classes
		Source       string
		Dir          string
		Validation   int
		TrainSubset  int
		TestFraction float64
		Unlabelled   string
	}
	d := Default().Data
	d.Dir, d.TrainSubset, d.Unlabelled = "/data", 500, "pool"
	got, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(before{d.Source, d.Dir, d.Validation, d.TrainSubset, d.TestFraction, d.Unlabelled})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("data without classes encodes as %s, want %s as before", got, want)
	}
	d.Classes = []string{"5", "sandal"}
	if got, err = json.Marshal(d); err != nil || !strings.Contains(string(got), `"Classes":["5","sandal"]`) {
		t.Errorf("data with classes encodes as %s (%v), want the classes in it", got, err)
	}
}

// TestDataClassesYAMLRoundTrip: a saved configuration (config.yaml) reads
// back with the same classes, and without any as nil, so a checkpoint's
// config.yaml compares equal to the configuration that wrote it.
func TestDataClassesYAMLRoundTrip(t *testing.T) {
	for _, classes := range [][]string{nil, {"Ankle boot", "5", "T-shirt/top", "007"}} {
		c := Default()
		c.Data.Classes = classes
		b, err := c.YAML()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Load(Options{File: writeYAML(t, string(b)), LookupEnv: env(nil)})
		if err != nil {
			t.Fatalf("reloading %s: %v", b, err)
		}
		if !reflect.DeepEqual(*got, c) {
			t.Errorf("round trip of classes %#v: got %#v", classes, got.Data.Classes)
		}
	}
}
