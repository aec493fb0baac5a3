package data

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// Splits are the parts every stage works with.
type Splits struct {
	Source   string
	Location Location
	Classes  []string // class names, label 0 first
	Train    *Set     // training split, after the validation hold-out and any subset
	// Validation: for Fashion-MNIST the last data.validation training
	// images; for other sources a seeded draw of that many.
	Validation *Set
	Test       *Set // never used for fitting
	// Full is every labelled training image (Train before any subset, plus
	// Validation): what PCA and kNN fit on, as in the usual protocol.
	Full *Set
	// Unlabelled is data.unlabelled's pool (labels -1): pretraining uses it
	// beside the training images, nothing else does.
	Unlabelled *Set
	TestDrawn  bool // the test split was drawn from the training images
	Conversion Conversion
	// SourceClasses are the source's classes when data.classes kept only
	// some (Classes); nil when every class is kept.
	SourceClasses []string
}

// NumClasses is the number of classes.
func (s *Splits) NumClasses() int { return len(s.Classes) }

// Neighbours is what reduce and compare fit on: the whole training file,
// or the seeded data.train_subset sample when one is configured.
func (s *Splits) Neighbours(cfg config.Data) *Set {
	if cfg.TrainSubset > 0 || s.Full == nil {
		return s.Train
	}
	return s.Full
}

// Pretraining is what pretraining learns from: the training images and the
// unlabelled pool, without labels.
func (s *Splits) Pretraining() *Set {
	if s.Unlabelled == nil || s.Unlabelled.Len() == 0 {
		return s.Train
	}
	out := &Set{Images: make([]float32, 0, len(s.Train.Images)+len(s.Unlabelled.Images)), Labels: make([]int, 0, s.Train.Len()+s.Unlabelled.Len()), Shape: s.Train.Shape}
	out.Images = append(append(out.Images, s.Train.Images...), s.Unlabelled.Images...)
	for range s.Train.Len() + s.Unlabelled.Len() {
		out.Labels = append(out.Labels, -1)
	}
	return out
}

// UnlabelledLen is the pool's size.
func (s *Splits) UnlabelledLen() int {
	if s.Unlabelled == nil {
		return 0
	}
	return s.Unlabelled.Len()
}

// ImageShape is the shape of every image (the model's input).
func (s *Splits) ImageShape() Shape { return s.Train.ImageShape() }

// Prepare reads the data cfg names, converted to shape (the model's input;
// the zero Shape is Grey28), and cuts it: the validation split, any
// training subset, and the unlabelled pool.
func Prepare(cfg config.Data, shape Shape, seed int64, lookupEnv func(string) (string, bool)) (*Splits, error) {
	d, err := Open(cfg, shape, seed, lookupEnv)
	if err != nil {
		return nil, err
	}
	s, err := Split(d, cfg, seed)
	if err != nil {
		return nil, err
	}
	if cfg.Unlabelled != "" {
		var conv Conversion
		if s.Unlabelled, conv, err = LoadUnlabelled(cfg.Unlabelled, d.ImageShape()); err != nil {
			return nil, err
		}
		s.Conversion.merge(conv)
	}
	return s, nil
}

// Use returns s when the caller already has the data (tests pass small
// splits), which must hold images of shape, and Prepare's result
// otherwise.
func Use(s *Splits, cfg config.Data, shape Shape, seed int64, lookupEnv func(string) (string, bool)) (*Splits, error) {
	if s != nil {
		if got := s.ImageShape(); got != shape.norm() {
			return nil, fmt.Errorf("the data given hold %s images but the model takes %s (model.input)", got, shape.norm())
		}
		return s, nil
	}
	return Prepare(cfg, shape, seed, lookupEnv)
}

// Split cuts a dataset: Fashion-MNIST's validation split is its last
// cfg.Validation training images (the usual protocol), other sources'
// a seeded draw of that many, stratified by class; cfg.TrainSubset, when set, keeps a seeded
// sample of the rest.
func Split(d *Dataset, cfg config.Data, seed int64) (*Splits, error) {
	train := d.Train
	n := train.Len() - cfg.Validation
	of := fmt.Sprint(train.Len())
	if d.SourceClasses != nil {
		of = fmt.Sprintf("the %d of the %d classes data.classes keeps (%s)", train.Len(), len(d.Classes), strings.Join(d.Classes, ", "))
	}
	if n <= 0 {
		return nil, fmt.Errorf("data.validation = %d leaves no training images out of %s; set data.validation to fewer, e.g. %d (a tenth)",
			cfg.Validation, of, train.Len()/10)
	}
	s := &Splits{Source: d.Source, Location: d.Location, Classes: d.Classes, SourceClasses: d.SourceClasses, Test: d.Test, Full: train,
		TestDrawn: d.TestDrawn, Conversion: d.Conversion}
	if d.Source == SourceFashion || d.Source == "" {
		s.Train, s.Validation = train.Slice(0, n), train.Slice(n, train.Len())
	} else {
		val := stratified(train.Labels, len(d.Classes), cfg.Validation, seed)
		s.Train, s.Validation = train.Split(val)
	}
	if cfg.TrainSubset > 0 {
		if cfg.TrainSubset > n {
			return nil, fmt.Errorf("data.train_subset = %d but only %d training images remain after validation (%s minus data.validation = %d); set data.train_subset to at most %d",
				cfg.TrainSubset, n, of, cfg.Validation, n)
		}
		s.Train = s.Train.Sample(cfg.TrainSubset, seed)
	}
	return s, nil
}

// Describe says in one line where the data came from and what it holds.
func (s *Splits) Describe() string {
	src := s.Source
	if src == "" {
		src = SourceFashion
	}
	out := fmt.Sprintf("%s in %s", src, s.Location.Dir)
	if s.Location.How != "" && s.Location.How != "data.dir" {
		out += " (" + s.Location.How + ")"
	}
	val := 0
	if s.Validation != nil {
		val = s.Validation.Len()
	}
	classes := fmt.Sprintf("%d classes", s.NumClasses())
	if s.SourceClasses != nil {
		classes = fmt.Sprintf("%d of its %d classes (data.classes: %s)", s.NumClasses(), len(s.SourceClasses), strings.Join(s.Classes, ", "))
	}
	out += fmt.Sprintf(": %s; %d training, %d validation and %d test images (%s)", classes, s.Train.Len(), val, s.Test.Len(), s.ImageShape())
	if s.TestDrawn {
		out += " (the test images held out from the training folder)"
	}
	if n := s.UnlabelledLen(); n > 0 {
		out += fmt.Sprintf("; %d unlabelled images for pretraining", n)
	}
	if s.Conversion.Images > 0 {
		out += "; " + s.Conversion.String()
	}
	return out
}

// stratified draws n indices, seeded, each class's share in proportion to
// its size (largest remainders round), returned sorted.
func stratified(labels []int, classes, n int, seed int64) []int {
	byClass := make([][]int, classes)
	for _, i := range NewRand(seed, 5).Perm(len(labels)) {
		byClass[labels[i]] = append(byClass[labels[i]], i)
	}
	take := make([]int, classes)
	type rem struct {
		c    int
		frac float64
	}
	var rems []rem
	left := n
	for c, ix := range byClass {
		exact := float64(n) * float64(len(ix)) / float64(len(labels))
		take[c] = int(exact)
		left -= take[c]
		rems = append(rems, rem{c, exact - float64(take[c])})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].frac > rems[b].frac })
	for i := 0; left > 0; i = (i + 1) % classes {
		if c := rems[i].c; take[c] < len(byClass[c]) {
			take[c]++
			left--
		}
	}
	var out []int
	for c, ix := range byClass {
		out = append(out, ix[:take[c]]...)
	}
	sort.Ints(out)
	return out
}
