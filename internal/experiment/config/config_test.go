package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/model"
)

func writeYAML(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "exp.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := Load(Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*c, Default()) {
		t.Errorf("Load with no sources = %+v, want Default() %+v", *c, Default())
	}
}

// TestPrecedence checks flag > env > file > default, one key at a time.
func TestPrecedence(t *testing.T) {
	file := writeYAML(t, "pretrain:\n  epochs: 7\n  batch_size: 64\ncompare:\n  k: 3\n")
	e := env(map[string]string{"HOURGLASS_PRETRAIN_EPOCHS": "9", "HOURGLASS_COMPARE_K": "11"})
	c, err := Load(Options{File: file, LookupEnv: e, Sets: []string{"pretrain.epochs=12"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key       string
		got, want any
	}{
		{"pretrain.epochs (flag beats env and file)", c.Pretrain.Epochs, 12},
		{"compare.k (env beats file)", c.Compare.K, 11},
		{"pretrain.batch_size (file beats default)", c.Pretrain.BatchSize, 64},
		{"pretrain.learning_rate (default)", c.Pretrain.LearningRate, 1e-3},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.key, tc.got, tc.want)
		}
	}
}

func TestListsFromEachSource(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want []LabelCount
	}{
		{"file", Options{File: writeYAML(t, "finetune:\n  labels_per_class: [5, all]\n")}, []LabelCount{5, AllLabels}},
		{"env", Options{LookupEnv: env(map[string]string{"HOURGLASS_FINETUNE_LABELS_PER_CLASS": "10,20"})}, []LabelCount{10, 20}},
		{"env all", Options{LookupEnv: env(map[string]string{"HOURGLASS_FINETUNE_LABELS_PER_CLASS": "10,all"})}, []LabelCount{10, AllLabels}},
		{"flag", Options{Sets: []string{"finetune.labels_per_class=[1, 2, 3]"}}, []LabelCount{1, 2, 3}},
		{"flag all", Options{Sets: []string{"finetune.labels_per_class=[1, all]"}}, []LabelCount{1, AllLabels}},
		{"flag scalar", Options{Sets: []string{"finetune.labels_per_class=50"}}, []LabelCount{50}},
		{"flag scalar all", Options{Sets: []string{"finetune.labels_per_class=all"}}, []LabelCount{AllLabels}},
		{"idx beyond fashion's 6000", Options{Sets: []string{"finetune.labels_per_class=7000", "data.source=idx", "data.dir=d"}}, []LabelCount{7000}},
	}
	for _, tc := range cases {
		if tc.opts.LookupEnv == nil {
			tc.opts.LookupEnv = env(nil)
		}
		c, err := Load(tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(c.Finetune.LabelsPerClass, tc.want) {
			t.Errorf("%s: labels_per_class = %v, want %v", tc.name, c.Finetune.LabelsPerClass, tc.want)
		}
	}
}

// TestErrors checks that every bad input names its source, the key, the
// value and what is allowed.
func TestErrors(t *testing.T) {
	file := writeYAML(t, "pretrain:\n  epochz: 5\n")
	typo := writeYAML(t, "pretrain:\n  epochs: many\n")
	frac := writeYAML(t, "pretrain:\n  batch_size: 2.5\n")
	rng := writeYAML(t, "pretrain:\n  learning_rate: -1\n")
	cases := []struct {
		name string
		opts Options
		want []string
	}{
		{"unknown key in file", Options{File: file}, []string{file, `"pretrain.epochz"`, `did you mean "pretrain.epochs"`}},
		{"unknown key in flag", Options{Sets: []string{"compare.kk=3"}}, []string{"--set compare.kk=3", `"compare.kk"`}},
		{"bad type in file", Options{File: typo}, []string{typo, `"pretrain.epochs"`, `"many"`, "integer"}},
		{"fraction for integer", Options{File: frac}, []string{frac, `"pretrain.batch_size"`, "2.5", "whole number"}},
		{"bad range in file", Options{File: rng}, []string{rng, `"pretrain.learning_rate"`, "-1", "> 0"}},
		{"bad range in env", Options{LookupEnv: env(map[string]string{"HOURGLASS_COMPARE_K": "0"})},
			[]string{"HOURGLASS_COMPARE_K", `"compare.k"`, "0", ">= 1"}},
		{"bad type in env", Options{LookupEnv: env(map[string]string{"HOURGLASS_SEED": "x1"})},
			[]string{"HOURGLASS_SEED", `"seed"`, `"x1"`, "integer"}},
		{"bad choice in flag", Options{Sets: []string{"backend=tpu"}}, []string{"--set backend=tpu", `"tpu"`, "go, xla:cpu, xla:cuda"}},
		{"malformed flag", Options{Sets: []string{"epochs"}}, []string{"section.key=value"}},
		{"missing file", Options{File: "/nonexistent/x.yaml"}, []string{"/nonexistent/x.yaml", "configs/"}},
		{"bad yaml", Options{File: writeYAML(t, "pretrain: [\n")}, []string{"not valid YAML"}},
	}
	for _, tc := range cases {
		if tc.opts.LookupEnv == nil {
			tc.opts.LookupEnv = env(nil)
		}
		_, err := Load(tc.opts)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
			}
		}
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	c := Default()
	c.Pretrain.Epochs = 0
	c.Compare.K = -1
	err := c.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("Validate() = %v, want FieldErrors", err)
	}
	for _, k := range []string{"pretrain.epochs", "compare.k"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not mention %s", err, k)
		}
	}
}

// TestAllOnlyForLabelCounts: "all" is a label count, never a number for
// any other key (it once became 0 for every integer key).
func TestAllOnlyForLabelCounts(t *testing.T) {
	for _, set := range []string{"pretrain.patience=all", "compare.k=all", "data.validation=all", "finetune.head=[all]"} {
		_, err := Load(Options{Sets: []string{set}, LookupEnv: env(nil)})
		if err == nil {
			t.Errorf("--set %s: no error", set)
			continue
		}
		key, _, _ := strings.Cut(set, "=")
		if !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "all") {
			t.Errorf("--set %s: error %q does not name the key and the value", set, err)
		}
	}
}

// TestLabelCountZeroRefused: only the word all means every label; 0, a
// negative count (AllLabels' -1 included) or, for fashion-mnist, more than
// its 6000 per class is refused from every source, naming the source, the
// key, the value and what is allowed.
func TestLabelCountZeroRefused(t *testing.T) {
	const allowed = `allowed: integers >= 1 (at most the smallest class's training images: 6000 for fashion-mnist), or "all" (0 is not all)`
	file := writeYAML(t, "finetune:\n  labels_per_class: [10, 0]\n")
	cases := []struct {
		name string
		opts Options
		want []string
	}{
		{"flag 0", Options{Sets: []string{"finetune.labels_per_class=0"}},
			[]string{`--set finetune.labels_per_class=0: key "finetune.labels_per_class" has bad value 0; ` + allowed}},
		{"flag list with -1", Options{Sets: []string{"finetune.labels_per_class=[10, -1]"}},
			[]string{`key "finetune.labels_per_class" has bad value -1; ` + allowed}},
		{"file list with 0", Options{File: file},
			[]string{"config file " + file + `: key "finetune.labels_per_class" has bad value 0; ` + allowed}},
		{"env with 0", Options{LookupEnv: env(map[string]string{"HOURGLASS_FINETUNE_LABELS_PER_CLASS": "10,0"})},
			[]string{`environment variable HOURGLASS_FINETUNE_LABELS_PER_CLASS: key "finetune.labels_per_class" has bad value "10,0"; ` + allowed}},
		{"fashion beyond 6000", Options{Sets: []string{"finetune.labels_per_class=[6000, 6001]"}},
			[]string{`key "finetune.labels_per_class" has bad value 6001; allowed: integers from 1 to 6000`}},
	}
	for _, tc := range cases {
		if tc.opts.LookupEnv == nil {
			tc.opts.LookupEnv = env(nil)
		}
		c, err := Load(tc.opts)
		if err == nil {
			t.Errorf("%s: accepted as %v", tc.name, c.Finetune.LabelsPerClass)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
	// A configuration built in Go is validated the same way.
	c := Default()
	c.Finetune.LabelsPerClass = []LabelCount{0}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `key "finetune.labels_per_class" has bad value 0; `+allowed) {
		t.Errorf("Validate of labels_per_class [0]: %v", err)
	}
}

// TestLabelCountJSON: JSON writes every label as 0, as results files always
// have (so fingerprints and earlier folders stay valid), and reads 0 or
// "all" back as AllLabels; a negative count is refused.
func TestLabelCountJSON(t *testing.T) {
	b, err := json.Marshal([]LabelCount{10, AllLabels})
	if err != nil || string(b) != "[10,0]" {
		t.Fatalf("json.Marshal = %s, %v; want [10,0]", b, err)
	}
	var got []LabelCount
	if err := json.Unmarshal([]byte(`[10, 0, "all"]`), &got); err != nil || !reflect.DeepEqual(got, []LabelCount{10, AllLabels, AllLabels}) {
		t.Errorf("json.Unmarshal = %v, %v; want [10 all all]", got, err)
	}
	if err := json.Unmarshal([]byte(`[-1]`), &got); err == nil || !strings.Contains(err.Error(), "labels_per_class -1") {
		t.Errorf("json.Unmarshal of -1: %v, want an error naming it", err)
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	c := Default()
	c.Name = "round"
	c.Finetune.LabelsPerClass = []LabelCount{10, AllLabels}
	b, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(Options{File: writeYAML(t, string(b)), LookupEnv: env(nil)})
	if err != nil {
		t.Fatalf("reloading %s: %v", b, err)
	}
	if !reflect.DeepEqual(*got, c) {
		t.Errorf("round trip: got %+v, want %+v", *got, c)
	}
}

func TestShippedConfigsLoad(t *testing.T) {
	files, err := filepath.Glob("../../../configs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("configs/ holds %d YAML files, want quickstart.yaml and seed.yaml at least", len(files))
	}
	for _, f := range files {
		if _, err := Load(Options{File: f, LookupEnv: env(nil)}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestEveryKeyDocumented: configs/README.md has a row for every key.
func TestEveryKeyDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../../configs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(doc), "| `"+k+"` |") {
			t.Errorf("configs/README.md has no row for %s", k)
		}
	}
}

// TestShippedConfigsRunInReadmeOrder: README lists every shipped
// experiment; each says at its top what it needs ("Needs:"), and an
// experiment it compares with (generate.autoencoder) or starts from
// (pretrain.from), in the file or in its sweep's grid, is the output
// folder of one listed before it, so on a
// fresh clone they run in README's order.
func TestShippedConfigsRunInReadmeOrder(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range regexp.MustCompile("(?m)^- `(configs/[a-z0-9-]+\\.yaml)`").FindAllStringSubmatch(string(readme), -1) {
		order = append(order, m[1])
	}
	files, err := filepath.Glob("../../../configs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != len(files) {
		t.Fatalf("README lists %v; configs/ holds %d experiments", order, len(files))
	}
	made := map[string]string{} // output_dir -> the file that makes it
	for _, name := range order {
		path := "../../../" + name
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("README lists %s: %v", name, err)
		}
		header, _, _ := strings.Cut(string(text), "\nname:")
		if !strings.Contains(header, "# Needs: ") {
			t.Errorf("%s does not say at its top what it needs", name)
		}
		c, err := Load(Options{File: path, LookupEnv: env(nil)})
		if err != nil {
			t.Fatal(err)
		}
		others := []string{c.Generate.Autoencoder, c.Pretrain.From}
		for _, key := range []string{"generate.autoencoder", "pretrain.from"} { // and the values a sweep gives them
			for _, v := range c.Sweep.Grid[key] {
				others = append(others, fmt.Sprint(v))
			}
		}
		for _, other := range others {
			if other == "" {
				continue
			}
			if made[other] == "" {
				t.Errorf("%s reads %s, which no experiment listed before it in README makes", name, other)
			} else if !strings.Contains(header, made[other]) {
				t.Errorf("%s needs %s but its header does not name %s, which makes it", name, other, made[other])
			}
		}
		made[c.OutputDir] = name
	}
}

// TestModelSection: the model section loads from --set and files into the
// Spec the model package builds, the paper's by default; every bad value
// is an error naming the key, the value and what is allowed, before any
// work; the VAE's old pretrain.latent says where it went.
func TestModelSection(t *testing.T) {
	def, err := Load(Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if s := def.Spec(); !s.Equal(model.Paper()) || s.CodeSize() != 576 {
		t.Errorf("default spec %s, want the paper's", s)
	}
	c, err := Load(Options{Sets: []string{"model.input=[32,32,3]", "model.filters=[32,64,128]", "model.code=16"}, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Spec(); s.Input != [3]int{32, 32, 3} || len(s.Filters) != 3 || s.Filters[2] != 128 || s.CodeSize() != 16 {
		t.Errorf("--set model: spec %s", s)
	}
	cases := []struct {
		sets []string
		want []string
	}{
		{[]string{"model.input=[7,7,1]"}, []string{"--set model.input=[7,7,1]", `"model.input"`, "smallest input is 8x8"}},
		{[]string{"model.input=[28,28]"}, []string{`"model.input"`, "[height, width, channels]"}},
		{[]string{"model.input=[28,28,2]"}, []string{`"model.input"`, "1 (grey) or 3 (colour)"}},
		{[]string{"model.filters=[]"}, []string{`"model.filters"`, "1 to 5 blocks"}},
		{[]string{"model.filters=[1,2,3,4,5,6]"}, []string{`"model.filters"`, "6 blocks"}},
		{[]string{"model.filters=[16,0]"}, []string{`"model.filters"`, "at least 1 filter"}},
		{[]string{"model.code=600"}, []string{`"model.code"`, "at most 576"}},
		{[]string{"model.code=-2"}, []string{`"model.code"`, "-2"}},
		{[]string{"pretrain.latent=8"}, []string{`"pretrain.latent"`, `moved to "model.code"`}},
		{[]string{"model.input=[16,16,1]"}, []string{`"reduce.pca_dims"`, "576", "256 values"}},
	}
	for _, tc := range cases {
		_, err := Load(Options{Sets: tc.sets, LookupEnv: env(nil)})
		if err == nil {
			t.Errorf("%v: accepted", tc.sets)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q lacks %q", tc.sets, err, w)
			}
		}
	}
	vae, err := Load(Options{Sets: []string{"pretrain.model=vae", "model.code=1000"}, LookupEnv: env(nil)})
	if err != nil || vae.Spec().CodeSize() != 1000 {
		t.Errorf("a VAE's latent size is not bounded by the map: %v", err)
	}
}

// TestPretrainFrom: pretrain.from loads from a file and --set; with it
// pretrain.epochs may be 0 (the model as it is), without it 0 is still an
// error, and a negative count is one either way, naming the key. Empty, it
// is left out of JSON, so the pipeline's fingerprints and the settings
// recorded before the key existed stay the same; set, it is in them.
func TestPretrainFrom(t *testing.T) {
	c, err := Load(Options{File: writeYAML(t, "pretrain:\n  from: runs/quickstart\n  epochs: 0\n"), LookupEnv: env(nil)})
	if err != nil || c.Pretrain.From != "runs/quickstart" || c.Pretrain.Epochs != 0 {
		t.Fatalf("from with 0 epochs: %v, %+v", err, c)
	}
	cases := []struct {
		sets []string
		want string // "" for no error
	}{
		{[]string{"pretrain.from=runs/a", "pretrain.epochs=0"}, ""},
		{[]string{"pretrain.from=runs/a", "pretrain.epochs=3"}, ""},
		{[]string{"pretrain.epochs=0"}, `key "pretrain.epochs" has bad value 0; allowed: an integer >= 1`},
		{[]string{"pretrain.from=runs/a", "pretrain.epochs=-1"}, `key "pretrain.epochs" has bad value -1; allowed: an integer >= 0 with pretrain.from`},
	}
	for _, tc := range cases {
		_, err := Load(Options{Sets: tc.sets, LookupEnv: env(nil)})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.sets, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want one saying %q", tc.sets, err, tc.want)
		}
	}
	// The JSON of the default section is what it was before the key: the
	// same field names, and no From.
	b, err := json.Marshal(Default().Pretrain)
	if err != nil {
		t.Fatal(err)
	}
	const before = `{"Model":"ae","Beta":1,"KLWarmup":0,"Epochs":100,"BatchSize":128,"LearningRate":0.001,"Beta1":0.9,"Beta2":0.999,"Epsilon":1e-8,"Schedule":"constant","Patience":0,"Reconstructions":10}`
	if string(b) != before {
		t.Errorf("json of the default pretrain section\n%s\nwant (as before pretrain.from)\n%s", b, before)
	}
	p := Default().Pretrain
	p.From = "runs/a"
	if b, err := json.Marshal(p); err != nil || !strings.Contains(string(b), `"From":"runs/a"`) {
		t.Errorf("json with from set: %s, %v", b, err)
	}
}
