package data

import "fmt"

// FileReport is what Verify found about one file.
type FileReport struct {
	File     File
	Path     string
	Count    int
	SHA256   string
	Match    bool
	Problem  string // read or format error, if any
	PerClass []int
}

// Verify reads all four files in dir and reports counts, per-class counts
// (for label files) and whether each checksum matches the pinned one. The
// error is non-nil when any file is missing, unreadable or mismatched.
func Verify(dir string) ([]FileReport, error) {
	var reps []FileReport
	bad := 0
	for _, f := range Files {
		r := FileReport{File: f}
		p, ok := findFile(dir, f.Name)
		if !ok {
			r.Problem = "missing"
			reps = append(reps, r)
			bad++
			continue
		}
		r.Path = p
		idx, err := ReadIDXFile(p)
		if err == nil && len(idx.Dims) == 1 {
			idx, err = ReadLabels(p)
		}
		if err != nil {
			r.Problem = err.Error()
			reps = append(reps, r)
			bad++
			continue
		}
		r.Count, r.SHA256, r.Match = idx.Dims[0], idx.SHA256, idx.SHA256 == f.SHA256
		if len(idx.Dims) == 1 {
			r.PerClass = make([]int, len(FashionClasses))
			for _, l := range idx.Data {
				r.PerClass[l]++
			}
		}
		if !r.Match {
			bad++
		}
		reps = append(reps, r)
	}
	if bad > 0 {
		return reps, fmt.Errorf("%s: %d of %d files are missing, unreadable or do not match their checksums", dir, bad, len(Files))
	}
	return reps, nil
}
