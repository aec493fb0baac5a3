package data

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// animals are the classes of the synthetic sources below, in the order
// the sets number them; class c has 4+2c training and 2+c test images.
var animals = []string{"Cat", "dog", "Sea lion", "owl"}

// animalSet makes the synthetic set: labels interleaved (so a filter must
// keep the order), every image's pixels a level of its own (k/255, exact
// through PNG, .npy and IDX bytes).
func animalSet(test bool) *Set {
	s := &Set{}
	left := make([]int, len(animals))
	for c := range left {
		left[c] = 4 + 2*c
		if test {
			left[c] = 2 + c
		}
	}
	for k := 0; slices.Max(left) > 0; k++ {
		c := k % len(animals)
		if left[c] == 0 {
			continue
		}
		left[c]--
		img := make([]float32, Pixels)
		for p := range img {
			img[p] = float32((s.Len()*13+p%7+100*boolInt(test))%256) / 255
		}
		s.Images = append(s.Images, img...)
		s.Labels = append(s.Labels, c)
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// animalSource writes the synthetic set in the layout of source (images
// without test: no test folder, the test split drawn) and returns its
// data section. IDX names classes by their label values, written here as
// 10, 20, 30, 40.
func animalSource(t *testing.T, source string, withTest bool) config.Data {
	t.Helper()
	dir := t.TempDir()
	train, test := animalSet(false), animalSet(true)
	var err error
	switch source {
	case SourceImages:
		err = exportImages(filepath.Join(dir, "train"), train, animals)
		if err == nil && withTest {
			err = exportImages(filepath.Join(dir, "test"), test, animals)
		}
	case SourceNPY:
		err = exportNPY(dir, "train", train, animals)
		if err == nil && withTest {
			err = exportNPY(dir, "test", test, animals)
		}
	case SourceIDX:
		for _, s := range []*Set{train, test} {
			for i, l := range s.Labels {
				s.Labels[i] = 10 * (l + 1)
			}
		}
		if err = exportIDX(dir, "train", train, animals); err == nil {
			err = exportIDX(dir, "test", test, animals)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return config.Data{Source: source, Dir: dir, TestFraction: 0.25}
}

// ofClass is the images of class c in s, in their order.
func ofClass(s *Set, c int) *Set {
	var idx []int
	for i, l := range s.Labels {
		if l == c {
			idx = append(idx, i)
		}
	}
	return s.Subset(idx)
}

// checkKept compares got, opened with data.classes, with all, the same
// source opened without: got's class j is all's class keep[j] (the same
// images in the same order, in training and test, so the same counts),
// named wantNames, and got holds no other image.
func checkKept(t *testing.T, what string, all, got *Dataset, keep []int, wantNames []string) {
	t.Helper()
	if !slices.Equal(got.Classes, wantNames) {
		t.Errorf("%s: classes %q, want %q", what, got.Classes, wantNames)
	}
	if !slices.Equal(got.SourceClasses, all.Classes) {
		t.Errorf("%s: source classes %q, want %q", what, got.SourceClasses, all.Classes)
	}
	for _, split := range []struct {
		name      string
		got, from *Set
	}{{"training", got.Train, all.Train}, {"test", got.Test, all.Test}} {
		total := 0
		for j, c := range keep {
			g, w := ofClass(split.got, j), ofClass(split.from, c)
			total += w.Len()
			if g.Len() != w.Len() || !slices.Equal(g.Images, w.Images) {
				t.Errorf("%s, %s: class %d (%s) holds %d images, want the source's %d of its class %d, the same pixels in the same order",
					what, split.name, j, wantNames[j], g.Len(), w.Len(), c)
			}
		}
		if split.got.Len() != total {
			t.Errorf("%s, %s: %d images, want the kept classes' %d", what, split.name, split.got.Len(), total)
		}
	}
}

// openOK opens cfg with classes.
func openOK(t *testing.T, cfg config.Data, classes ...string) *Dataset {
	t.Helper()
	cfg.Classes = classes
	d, err := Open(cfg, Grey28, 1, nil)
	if err != nil {
		t.Fatalf("data.classes %q: %v", classes, err)
	}
	return d
}

// TestClassesEverySource: on every source, data.classes keeps the listed
// classes' images, numbered in the order listed, names kept; by name (any
// case) and by index the same. Expected counts come from the sets'
// construction (4+2c training, 2+c test images of class c) and from
// Fashion-MNIST's 6000 and 1000 per class; the images from the source
// opened without the key.
func TestClassesEverySource(t *testing.T) {
	type selection struct {
		byName, byIndex []string
		keep            []int    // the source's labels, in all's numbering
		names           []string // the kept names, as the data spell them
		train, test     []int    // per kept class, when known from construction (nil: checked against all only)
	}
	// The images source numbers its class folders sorted by name: Cat,
	// Sea lion, dog, owl.
	cases := []struct {
		name string
		cfg  func(t *testing.T) config.Data
		sel  []selection
	}{
		{"fashion-mnist", func(*testing.T) config.Data { return config.Data{} }, []selection{
			{[]string{"sandal", "shirt", "sneaker", "bag", "ankle boot"}, []string{"5", "6", "7", "8", "9"}, []int{5, 6, 7, 8, 9},
				[]string{"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}, []int{6000, 6000, 6000, 6000, 6000}, []int{1000, 1000, 1000, 1000, 1000}},
			{[]string{"Boot", "t-shirt", "bag"}, []string{"9", "0", "8"}, []int{9, 0, 8},
				[]string{"Ankle boot", "T-shirt/top", "Bag"}, []int{6000, 6000, 6000}, []int{1000, 1000, 1000}},
		}},
		{"npy", func(t *testing.T) config.Data { return animalSource(t, SourceNPY, true) }, []selection{
			{[]string{"OWL", "cat", "sea lion"}, []string{"3", "0", "2"}, []int{3, 0, 2}, []string{"owl", "Cat", "Sea lion"}, []int{10, 4, 8}, []int{5, 2, 4}},
		}},
		{"npy, test drawn", func(t *testing.T) config.Data { return animalSource(t, SourceNPY, false) }, []selection{
			{[]string{"dog", "Sea Lion"}, []string{"1", "2"}, []int{1, 2}, []string{"dog", "Sea lion"}, []int{6 - 2, 8 - 2}, []int{2, 2}},
		}},
		{"images", func(t *testing.T) config.Data { return animalSource(t, SourceImages, true) }, []selection{
			{[]string{"OWL", "cat", "sea lion"}, []string{"3", "0", "1"}, []int{3, 0, 1}, []string{"owl", "Cat", "Sea lion"}, []int{10, 4, 8}, []int{5, 2, 4}},
		}},
		{"images, test drawn", func(t *testing.T) config.Data { return animalSource(t, SourceImages, false) }, []selection{
			{[]string{"owl", "dog"}, []string{"3", "2"}, []int{3, 2}, []string{"owl", "dog"}, []int{10 - 3, 6 - 2}, []int{3, 2}},
		}},
		{"idx", func(t *testing.T) config.Data { return animalSource(t, SourceIDX, true) }, []selection{
			{[]string{"40", "10", "30"}, []string{"3", "0", "2"}, []int{3, 0, 2}, []string{"40", "10", "30"}, []int{10, 4, 8}, []int{5, 2, 4}},
		}},
	}
	for _, tc := range cases {
		cfg := tc.cfg(t)
		all := openOK(t, cfg)
		for _, sel := range tc.sel {
			what := fmt.Sprintf("%s, data.classes %q", tc.name, sel.byName)
			byName := openOK(t, cfg, sel.byName...)
			checkKept(t, what, all, byName, sel.keep, sel.names)
			if got, want := byName.Train.ClassCounts(len(sel.keep)), sel.train; !slices.Equal(got, want) {
				t.Errorf("%s: training images per class %v, want %v", what, got, want)
			}
			if got, want := byName.Test.ClassCounts(len(sel.keep)), sel.test; !slices.Equal(got, want) {
				t.Errorf("%s: test images per class %v, want %v", what, got, want)
			}
			for _, l := range append(slices.Clone(byName.Train.Labels), byName.Test.Labels...) {
				if l < 0 || l >= len(sel.keep) {
					t.Fatalf("%s: label %d outside 0-%d", what, l, len(sel.keep)-1)
				}
			}
			byIndex := openOK(t, cfg, sel.byIndex...)
			if !reflect.DeepEqual(byName, byIndex) {
				t.Errorf("%s: by index %q differs from by name", what, sel.byIndex)
			}
		}
	}
}

// TestClassesNamesBeforeIndices: an entry that is a class's name means
// that class, even when it is also a number; a number no class is named
// is an index. IDX names classes by their label values.
func TestClassesNamesBeforeIndices(t *testing.T) {
	cfg := animalSource(t, SourceIDX, true) // classes "10", "20", "30", "40"
	d := openOK(t, cfg, "30", "1")          // the class named 30, and index 1: "20"
	if !slices.Equal(d.Classes, []string{"30", "20"}) {
		t.Errorf("classes %q, want [30 20]", d.Classes)
	}
}

// TestClassesDropsUnusableClass: a class too small to hold out a test
// split (one image) stops a source without a test folder, unless
// data.classes leaves it out. Expected counts: data.test_fraction 0.25 of
// owl's 10 and Cat's 4 images, rounded, is 3 and 1.
func TestClassesDropsUnusableClass(t *testing.T) {
	cfg := animalSource(t, SourceImages, false)
	writePNG(t, cfg.Dir, "train/zebra/0.png", 9)
	if _, err := Open(cfg, Grey28, 1, nil); err == nil || !strings.Contains(err.Error(), `class "zebra" has 1 images`) {
		t.Fatalf("a one-image class with the test split drawn: %v, want an error naming it", err)
	}
	d := openOK(t, cfg, "owl", "cat")
	if got := [][]int{d.Train.ClassCounts(2), d.Test.ClassCounts(2)}; !reflect.DeepEqual(got, [][]int{{7, 3}, {3, 1}}) {
		t.Errorf("training and test images per class %v, want [[7 3] [3 1]]", got)
	}
}

// TestClassesFashionValidation: Fashion-MNIST's validation split is the
// last data.validation training images of the kept classes, in the file's
// order, and the training split the ones before; more than the kept
// classes hold is an error naming data.validation and their count, as is
// a data.train_subset beyond what is left.
func TestClassesFashionValidation(t *testing.T) {
	all := openOK(t, config.Data{})
	to := map[int]int{5: 0, 6: 1, 7: 2, 8: 3, 9: 4}
	var idx []int
	for i, l := range all.Train.Labels {
		if _, ok := to[l]; ok {
			idx = append(idx, i)
		}
	}
	if len(idx) != 30000 {
		t.Fatalf("%d training images of classes 5-9, want 30000", len(idx))
	}
	cfg := config.Data{Validation: 10000, TestFraction: 0.2, Classes: []string{"5", "6", "7", "8", "9"}}
	s, err := Prepare(cfg, Grey28, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []struct {
		name string
		got  *Set
		idx  []int
	}{{"training", s.Train, idx[:20000]}, {"validation", s.Validation, idx[20000:]}} {
		want := all.Train.Subset(part.idx)
		for i, l := range want.Labels {
			want.Labels[i] = to[l]
		}
		if !slices.Equal(part.got.Labels, want.Labels) || !slices.Equal(part.got.Images, want.Images) {
			t.Errorf("%s split: %d images, want the kept classes' %d in the file's order", part.name, part.got.Len(), want.Len())
		}
	}
	if got := s.Describe(); !strings.Contains(got, "5 of its 10 classes (data.classes: Sandal, Shirt, Sneaker, Bag, Ankle boot); 20000 training, 10000 validation and 5000 test images") {
		t.Errorf("Describe: %s", got)
	}

	for _, tc := range []struct {
		cfg  config.Data
		want []string
	}{
		{config.Data{Validation: 12000, Classes: []string{"0", "1"}},
			[]string{"data.validation = 12000 leaves no training images out of the 12000 of the 2 classes data.classes keeps (T-shirt/top, Trouser)", "e.g. 1200"}},
		{config.Data{Validation: 10000, TrainSubset: 3000, Classes: []string{"trouser", "bag"}},
			[]string{"data.train_subset = 3000 but only 2000 training images remain", "the 12000 of the 2 classes data.classes keeps (Trouser, Bag) minus data.validation = 10000", "at most 2000"}},
	} {
		_, err := Prepare(tc.cfg, Grey28, 1, nil)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("data %+v: error %v, want one holding %q", tc.cfg, err, w)
			}
		}
	}
}

// TestClassesBadInput: an entry the data lack is refused when the data
// are opened, naming data.classes and the entry, with the nearest name,
// the classes there are, or the range of indices; as are two entries of
// one class and, for a data section built in Go, one class.
func TestClassesBadInput(t *testing.T) {
	// An npy folder named as Fashion-MNIST: two images of each class.
	dir := t.TempDir()
	s := &Set{Images: make([]float32, 20*Pixels)}
	for i := range 20 {
		s.Labels = append(s.Labels, i%10)
	}
	if err := exportNPY(dir, "train", s, FashionClasses); err != nil {
		t.Fatal(err)
	}
	if err := exportNPY(dir, "test", s, FashionClasses); err != nil {
		t.Fatal(err)
	}
	npyData := config.Data{Source: SourceNPY, Dir: dir}
	list := `0 "T-shirt/top", 1 "Trouser", 2 "Pullover", 3 "Dress", 4 "Coat", 5 "Sandal", 6 "Shirt", 7 "Sneaker", 8 "Bag", 9 "Ankle boot"`
	for _, tc := range []struct {
		cfg     config.Data
		classes []string
		want    []string
	}{
		{config.Data{}, []string{"sandal", "sneakers"},
			[]string{`data.classes: "sneakers" is no class of data.source fashion-mnist in `, `(did you mean "Sneaker"?)`, "its classes are " + list, "indices 0-9"}},
		{npyData, []string{"ankle boots", "bag"}, []string{`"ankle boots" is no class of data.source npy in ` + dir, `did you mean "Ankle boot"?`}},
		{npyData, []string{"boots", "bag"}, []string{`"boots" is no class`, `did you mean "Boot"?`}},
		{npyData, []string{"bag", "zebra"}, []string{`"zebra" is no class`, "its classes are " + list}},
		{npyData, []string{"bag", "10"}, []string{"data.classes: index 10 is out of range", "10 classes, indices 0-9 (" + list + ")"}},
		{npyData, []string{"-1", "bag"}, []string{"data.classes: index -1 is out of range", "indices 0-9"}},
		{npyData, []string{"5", "sandal"}, []string{`data.classes ["5", "sandal"]: "5" and "sandal" are both class 5 ("Sandal")`, "list each class once"}},
		{npyData, []string{"Boot", "ankle boot", "bag"}, []string{`"Boot" and "ankle boot" are both class 9 ("Ankle boot")`}},
		{npyData, []string{"bag"}, []string{`data.classes ["bag"] keeps one class`, "list 2 or more"}},
	} {
		cfg := tc.cfg
		cfg.Classes = tc.classes
		_, err := Open(cfg, Grey28, 1, nil)
		if err == nil {
			t.Errorf("data.classes %q: accepted", tc.classes)
			continue
		}
		if strings.Contains(err.Error(), "did you mean") && !strings.Contains(strings.Join(tc.want, " "), "did you mean") {
			t.Errorf("data.classes %q: a suggestion for a name nowhere near: %v", tc.classes, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("data.classes %q: error %q lacks %q", tc.classes, err, w)
			}
		}
	}
}

// TestClassesLeaveUnlabelled: the unlabelled pool is no class's, and
// data.classes leaves it whole.
func TestClassesLeaveUnlabelled(t *testing.T) {
	cfg := animalSource(t, SourceNPY, true)
	pool := animalSet(false)
	if err := exportNPY(cfg.Dir, "unlabelled", pool, nil); err != nil {
		t.Fatal(err)
	}
	cfg.Unlabelled = filepath.Join(cfg.Dir, "unlabelled.npy")
	cfg.Classes = []string{"cat", "owl"}
	s, err := Prepare(cfg, Grey28, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.UnlabelledLen() != pool.Len() || !slices.Equal(s.Unlabelled.Images, pool.Images) {
		t.Errorf("unlabelled pool of %d images, want all %d", s.UnlabelledLen(), pool.Len())
	}
}
