package data

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

func TestPerClass(t *testing.T) {
	s := Synthetic(200, 1)
	a, err := s.PerClass(5, 42, FashionClasses)
	if err != nil {
		t.Fatal(err)
	}
	for c, n := range a.ClassCounts(10) {
		if n != 5 {
			t.Errorf("class %d: %d images, want 5", c, n)
		}
	}
	b, err := s.PerClass(5, 42, FashionClasses)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gave different subsets")
	}
	c, err := s.PerClass(5, 43, FashionClasses)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Images, c.Images) {
		t.Error("different seeds gave the same subset")
	}
	if _, err := s.PerClass(21, 1, FashionClasses); err == nil || !strings.Contains(err.Error(), "fewer than the 21") {
		t.Errorf("asking for too many per class: err = %v", err)
	}
}

func TestSplit(t *testing.T) {
	train, test := Synthetic(100, 1), Synthetic(10, 2)
	d := &Dataset{Source: SourceFashion, Train: train, Test: test, Classes: FashionClasses}
	s, err := Split(d, config.Data{Validation: 30, TrainSubset: 20}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 20 || s.Validation.Len() != 30 || s.Test.Len() != 10 {
		t.Fatalf("sizes %d/%d/%d, want 20/30/10", s.Train.Len(), s.Validation.Len(), s.Test.Len())
	}
	// The validation split is the last 30 training images.
	if !reflect.DeepEqual(s.Validation.Images, train.Images[70*Pixels:]) {
		t.Error("validation split is not the last 30 images")
	}
	if _, err := Split(d, config.Data{Validation: 100}, 5); err == nil {
		t.Error("validation = all images: no error")
	}
}
