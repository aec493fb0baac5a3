package data

import (
	"fmt"

	"github.com/hourglass-ml/hourglass/config"
)

// Splits are the three parts every stage works with.
type Splits struct {
	Location   Location
	Train      *Set // training split, after the validation hold-out and any subset
	Validation *Set // the last data.validation training images
	Test       *Set // the 10,000 t10k images: never used for fitting
	// Full is the whole training file (Train before any subset, plus
	// Validation): what PCA and kNN fit on, as in the usual protocol.
	Full *Set
}

// Neighbours is what reduce and compare fit on: the whole training file,
// or the seeded data.train_subset sample when one is configured.
func (s *Splits) Neighbours(cfg config.Data) *Set {
	if cfg.TrainSubset > 0 || s.Full == nil {
		return s.Train
	}
	return s.Full
}

// Prepare finds and loads the data and cuts it as cfg says: the last
// cfg.Validation training images are the validation split; cfg.TrainSubset,
// when set, keeps a seeded sample of the rest.
func Prepare(cfg config.Data, seed int64, lookupEnv func(string) (string, bool)) (*Splits, error) {
	loc, err := Discover(cfg.Dir, lookupEnv)
	if err != nil {
		return nil, err
	}
	train, test, err := Load(loc.Dir)
	if err != nil {
		return nil, err
	}
	return Split(loc, train, test, cfg, seed)
}

// Use returns s when the caller already has the data (tests pass small
// splits), and Prepare's result otherwise.
func Use(s *Splits, cfg config.Data, seed int64, lookupEnv func(string) (string, bool)) (*Splits, error) {
	if s != nil {
		return s, nil
	}
	return Prepare(cfg, seed, lookupEnv)
}

// Split cuts already-loaded data as Prepare does.
func Split(loc Location, train, test *Set, cfg config.Data, seed int64) (*Splits, error) {
	n := train.Len() - cfg.Validation
	if n <= 0 {
		return nil, fmt.Errorf("data.validation = %d leaves no training images out of %d", cfg.Validation, train.Len())
	}
	s := &Splits{Location: loc, Train: train.Slice(0, n), Validation: train.Slice(n, train.Len()), Test: test, Full: train}
	if cfg.TrainSubset > 0 {
		if cfg.TrainSubset > n {
			return nil, fmt.Errorf("data.train_subset = %d but only %d training images remain after validation", cfg.TrainSubset, n)
		}
		s.Train = s.Train.Sample(cfg.TrainSubset, seed)
	}
	return s, nil
}
