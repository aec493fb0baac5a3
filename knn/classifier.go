package knn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sjwhitworth/golearn/base"
)

// Classifier is exact k-nearest-neighbour classification behind golearn's
// base.Classifier interface: Fit on a FixedDataGrid whose non-class
// attributes are all FloatAttributes and whose one class attribute is
// categorical, then Predict on a grid with the same attributes.
type Classifier struct {
	K       int
	Weights Weights

	train   base.FixedDataGrid
	attrs   []base.Attribute // the float attributes, in training order
	class   *base.CategoricalAttribute
	classes []string // the class values; a label is an index into it
	labels  []int
	index   *Index
}

var _ base.Classifier = (*Classifier)(nil)

// NewClassifier returns an unfitted classifier voting with k neighbours.
func NewClassifier(k int, w Weights) *Classifier { return &Classifier{K: k, Weights: w} }

// String names the classifier.
func (c *Classifier) String() string {
	return fmt.Sprintf("hourglass exact kNN (k = %d, %s votes, euclidean)", c.K, c.Weights)
}

// Fit reads the training rows and labels.
func (c *Classifier) Fit(train base.FixedDataGrid) error {
	if c.K < 1 {
		return fmt.Errorf("knn: k = %d; k must be at least 1", c.K)
	}
	if _, err := ParseWeights(string(c.Weights)); err != nil {
		return err
	}
	class, err := classAttribute(train)
	if err != nil {
		return err
	}
	attrs, err := floatAttributes(train)
	if err != nil {
		return err
	}
	x, n, err := rows(train, attrs)
	if err != nil {
		return err
	}
	if n < c.K {
		return fmt.Errorf("knn: %d training rows, fewer than k = %d", n, c.K)
	}
	index, err := NewIndex(x, n, len(attrs))
	if err != nil {
		return err
	}
	c.train, c.attrs, c.class, c.index = train, attrs, class, index
	c.classes = class.GetValues()
	c.labels = make([]int, n)
	for i := range n {
		name := base.GetClass(train, i)
		c.labels[i] = -1
		for l, v := range c.classes {
			if v == name {
				c.labels[i] = l
			}
		}
		if c.labels[i] < 0 {
			return fmt.Errorf("knn: training row %d has class %q, not one of the class attribute's values", i, name)
		}
	}
	return nil
}

// Predict classifies every row of what, whose float attributes must be the
// training data's (same names, same order).
func (c *Classifier) Predict(what base.FixedDataGrid) (base.FixedDataGrid, error) {
	if c.index == nil {
		return nil, errors.New("knn: Predict before Fit")
	}
	attrs, err := floatAttributes(what)
	if err != nil {
		return nil, err
	}
	if len(attrs) != len(c.attrs) {
		return nil, fmt.Errorf("knn: %d float attributes to predict from, the training data has %d", len(attrs), len(c.attrs))
	}
	for i, a := range attrs {
		if a.GetName() != c.attrs[i].GetName() {
			return nil, fmt.Errorf("knn: attribute %d is %q, the training data's is %q", i, a.GetName(), c.attrs[i].GetName())
		}
	}
	x, n, err := rows(what, attrs)
	if err != nil {
		return nil, err
	}
	nb, err := c.index.Search(context.Background(), x, n, c.K, nil)
	if err != nil {
		return nil, err
	}
	pred, _ := Predict(nb, c.K, c.labels, len(c.classes), c.Weights)
	out := base.GeneratePredictionVector(what)
	for i, p := range pred {
		base.SetClass(out, i, c.classes[p])
	}
	return out, nil
}

// classAttribute is the grid's one categorical class attribute.
func classAttribute(g base.FixedDataGrid) (*base.CategoricalAttribute, error) {
	cs := g.AllClassAttributes()
	if len(cs) != 1 {
		return nil, fmt.Errorf("knn: the training data has %d class attributes; want exactly one", len(cs))
	}
	c, ok := cs[0].(*base.CategoricalAttribute)
	if !ok {
		return nil, fmt.Errorf("knn: the class attribute %q is a %T; want a CategoricalAttribute", cs[0].GetName(), cs[0])
	}
	return c, nil
}

// floatAttributes lists the non-class attributes, which must all be
// FloatAttributes, sorted by name (golearn lists them in map order; the
// distance does not depend on the order of the columns).
func floatAttributes(g base.FixedDataGrid) ([]base.Attribute, error) {
	attrs := base.NonClassAttributes(g)
	slices.SortFunc(attrs, func(a, b base.Attribute) int { return strings.Compare(a.GetName(), b.GetName()) })
	if len(attrs) == 0 {
		return nil, errors.New("knn: the data has no attributes besides the class")
	}
	for _, a := range attrs {
		if _, ok := a.(*base.FloatAttribute); !ok {
			return nil, fmt.Errorf("knn: attribute %q is a %T; every attribute besides the class must be a FloatAttribute", a.GetName(), a)
		}
	}
	return attrs, nil
}

// rows copies the grid's attribute values into float32 rows.
func rows(g base.FixedDataGrid, attrs []base.Attribute) ([]float32, int, error) {
	specs, err := resolve(g, attrs)
	if err != nil {
		return nil, 0, err
	}
	_, n := g.Size()
	if n == 0 {
		return nil, 0, errors.New("knn: the data has no rows")
	}
	d := len(specs)
	x := make([]float32, n*d)
	for i := range n {
		for j, s := range specs {
			x[i*d+j] = float32(base.UnpackBytesToFloat(g.Get(s, i)))
		}
	}
	return x, n, nil
}

func resolve(g base.FixedDataGrid, attrs []base.Attribute) ([]base.AttributeSpec, error) {
	specs := make([]base.AttributeSpec, len(attrs))
	for i, a := range attrs {
		s, err := g.GetAttribute(a)
		if err != nil {
			return nil, fmt.Errorf("knn: attribute %q: %w", a.GetName(), err)
		}
		specs[i] = s
	}
	return specs, nil
}

// GetMetadata describes the classifier for golearn's serialisation.
func (c *Classifier) GetMetadata() base.ClassifierMetadataV1 {
	return base.ClassifierMetadataV1{FormatVersion: 1, ClassifierName: "hourglass-knn", ClassifierVersion: "1",
		ClassifierMetadata: map[string]interface{}{"k": c.K, "weights": string(c.Weights)}}
}

// Save writes the classifier (its settings and training data) in golearn's
// serialised-classifier format.
func (c *Classifier) Save(path string) error {
	w, err := base.CreateSerializedClassifierStub(path, c.GetMetadata())
	if err != nil {
		return fmt.Errorf("knn: saving %s: %w", path, err)
	}
	if err := c.SaveWithPrefix(w, ""); err != nil {
		return fmt.Errorf("knn: saving %s: %w", path, err)
	}
	return nil
}

// SaveWithPrefix writes the training data under prefix (as part of an
// ensemble) and closes w.
func (c *Classifier) SaveWithPrefix(w *base.ClassifierSerializer, prefix string) error {
	if c.train == nil {
		return errors.New("knn: Save before Fit")
	}
	if err := w.WriteInstancesForKey(w.Prefix(prefix, "TrainingInstances"), c.train, true); err != nil {
		return err
	}
	return w.Close()
}

// Load reads a classifier Save wrote and fits it again.
func (c *Classifier) Load(path string) error {
	r, err := base.ReadSerializedClassifierStub(path)
	if err != nil {
		return fmt.Errorf("knn: loading %s: %w", path, err)
	}
	defer r.Close()
	if err := c.LoadWithPrefix(r, ""); err != nil {
		return fmt.Errorf("knn: loading %s: %w", path, err)
	}
	return nil
}

// LoadWithPrefix reads the settings and training data under prefix and
// fits again.
func (c *Classifier) LoadWithPrefix(r *base.ClassifierDeserializer, prefix string) error {
	md, err := r.ReadMetadataAtPrefix(prefix)
	if err != nil {
		return err
	}
	if md.ClassifierName != "hourglass-knn" {
		return fmt.Errorf("a %q classifier, not hourglass-knn", md.ClassifierName)
	}
	var p struct {
		K       int     `json:"k"`
		Weights Weights `json:"weights"`
	}
	b, err := json.Marshal(md.ClassifierMetadata)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	train, err := r.GetInstancesForKey(r.Prefix(prefix, "TrainingInstances"))
	if err != nil {
		return err
	}
	c.K, c.Weights = p.K, p.Weights
	return c.Fit(train)
}
