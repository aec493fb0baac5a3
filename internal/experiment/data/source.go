package data

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// The data sources, data.source's values.
const (
	SourceFashion = "fashion-mnist"
	SourceIDX     = "idx"
	SourceImages  = "images"
	SourceNPY     = "npy"
)

// FashionClasses are Fashion-MNIST's class names, labels 0 to 9.
var FashionClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// Dataset is a source's labelled images before the splits are cut.
type Dataset struct {
	Source   string
	Location Location
	Train    *Set
	// Test is the source's own test split, or the seeded stratified
	// data.test_fraction of the training images (TestDrawn) when it has
	// none.
	Test      *Set
	TestDrawn bool
	Classes   []string
	// SourceClasses are the source's classes when data.classes kept only
	// some (Classes); nil when every class is kept.
	SourceClasses []string
	// Conversion counts what had to be converted to the images' Shape.
	Conversion Conversion
}

// ImageShape is the shape of every image (the model's input).
func (d *Dataset) ImageShape() Shape { return d.Train.ImageShape() }

// Open reads the labelled images cfg names, converted to shape (the
// model's input; the zero Shape is Grey28): every Set it returns has that
// Shape, and Conversion counts what had to be converted.
func Open(cfg config.Data, shape Shape, seed int64, lookupEnv func(string) (string, bool)) (*Dataset, error) {
	var (
		d   *Dataset
		err error
	)
	shape = shape.norm()
	if err := shape.Validate(); err != nil {
		return nil, fmt.Errorf("the model's input (model.input): %w", err)
	}
	source := cfg.Source
	if source == "" {
		source = SourceFashion
	}
	if source != SourceFashion {
		if cfg.Dir == "" {
			return nil, fmt.Errorf("data.source %s needs data.dir, the folder that holds the data", source)
		}
		if st, err := os.Stat(cfg.Dir); err != nil || !st.IsDir() {
			example := fmt.Sprintf("write part of Fashion-MNIST there first: hourglass data export --format %s --output %s", source, cfg.Dir)
			if shape[2] == 3 && source == SourceImages { // a colour model: the colour example's data
				example = fmt.Sprintf("write the colour example there first: hourglass data hue %s", cfg.Dir)
			}
			return nil, fmt.Errorf("data.dir %s: not a folder (data.source %s): set data.dir to the folder that holds the data, or %s",
				cfg.Dir, source, example)
		}
	}
	switch source {
	case SourceFashion:
		loc, err := Discover(cfg.Dir, lookupEnv)
		if err != nil {
			return nil, err
		}
		train, test, err := Load(loc.Dir)
		if err != nil {
			return nil, err
		}
		d = &Dataset{Location: loc, Classes: FashionClasses}
		d.Train = convertSet(train, shape, &d.Conversion)
		d.Test = convertSet(test, shape, &d.Conversion)
	case SourceIDX:
		d, err = loadIDXFolder(cfg.Dir, shape)
	case SourceImages:
		d, err = loadImageFolder(cfg.Dir, shape)
	case SourceNPY:
		d, err = loadNPYFolder(cfg.Dir, shape)
	default:
		return nil, fmt.Errorf("data.source %q: want %s, %s, %s or %s", source, SourceFashion, SourceIDX, SourceImages, SourceNPY)
	}
	if err != nil {
		return nil, err
	}
	d.Source = source
	d.Conversion.Target = shape
	if source != SourceFashion {
		d.Location = Location{Dir: cfg.Dir, How: "data.dir"}
	}
	keep, err := d.resolveClasses(cfg.Classes)
	if err != nil {
		return nil, err
	}
	if err := d.check(keep); err != nil {
		return nil, err
	}
	if d.Test == nil {
		// Drawn before data.classes filters, so every kept class's test
		// images are the ones an experiment with every class tests on.
		if err := d.drawTest(cfg.TestFraction, seed, keep); err != nil {
			return nil, err
		}
	}
	d.keepClasses(keep)
	return d, nil
}

// check asks for two classes or more, each kept one (every class when
// keep is nil) with training images.
func (d *Dataset) check(keep []int) error {
	if len(d.Classes) < 2 {
		return fmt.Errorf("%s: %d class; hourglass needs at least 2", d.where(), len(d.Classes))
	}
	counts := d.Train.ClassCounts(len(d.Classes))
	var empty []string
	for c, n := range counts {
		if n == 0 && (keep == nil || slices.Contains(keep, c)) {
			empty = append(empty, fmt.Sprintf("%q", d.Classes[c]))
		}
	}
	if len(empty) > 0 {
		return fmt.Errorf("%s: no training images of class %s", d.where(), strings.Join(empty, ", "))
	}
	return nil
}

func (d *Dataset) where() string {
	return fmt.Sprintf("data.source %s in %s", d.Source, d.Location.Dir)
}

// drawTest moves a seeded, stratified fraction of every class's training
// images into a test split; both keep the images' order. Classes outside
// keep (when not nil) are about to be dropped: they may be too small to
// split, and are not.
func (d *Dataset) drawTest(fraction float64, seed int64, keep []int) error {
	if fraction <= 0 || fraction >= 1 {
		return fmt.Errorf("%s has no test split, so data.test_fraction must be between 0 and 1 (it is %v)", d.where(), fraction)
	}
	byClass := make([][]int, len(d.Classes))
	for _, i := range NewRand(seed, 6).Perm(d.Train.Len()) {
		l := d.Train.Labels[i]
		byClass[l] = append(byClass[l], i)
	}
	var test []int
	for c, idx := range byClass {
		if keep != nil && !slices.Contains(keep, c) {
			continue
		}
		n := int(float64(len(idx))*fraction + 0.5)
		if n == 0 || n == len(idx) {
			return fmt.Errorf("%s: class %q has %d images, too few to hold out data.test_fraction = %v for testing and keep some for training; add images or a test folder",
				d.where(), d.Classes[c], len(idx), fraction)
		}
		test = append(test, idx[:n]...)
	}
	sort.Ints(test)
	d.Train, d.Test = d.Train.Split(test)
	d.TestDrawn = true
	return nil
}

// Split returns the images at the sorted indices idx and the others, each
// in their order in s.
func (s *Set) Split(idx []int) (rest, picked *Set) {
	in := make([]bool, s.Len())
	for _, i := range idx {
		in[i] = true
	}
	var keep []int
	for i := range s.Len() {
		if !in[i] {
			keep = append(keep, i)
		}
	}
	return s.Subset(keep), s.Subset(idx)
}

// ShortName fits a class name on a plot axis: Fashion-MNIST's own short
// forms, others cut to 12 characters.
func ShortName(name string) string {
	if s, ok := shortForms[name]; ok {
		return s
	}
	if r := []rune(name); len(r) > 12 {
		return string(r[:11]) + "…"
	}
	return name
}

// shortForms are Fashion-MNIST's short class names, for plots and for
// data.classes.
var shortForms = map[string]string{"T-shirt/top": "T-shirt", "Ankle boot": "Boot"}

// ShortNames applies ShortName to every name.
func ShortNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = ShortName(n)
	}
	return out
}
