package data

import (
	"fmt"
	"os"
	"strings"
)

// LoadUnlabelled reads an unlabelled pool: a folder of images (searched
// recursively, any names) or a .npy file of images, converted to shape to
// (the zero Shape: Grey28). Its labels are -1.
func LoadUnlabelled(path string, to Shape) (*Set, Conversion, error) {
	to = to.norm()
	conv := Conversion{Target: to}
	st, err := os.Stat(path)
	if err != nil {
		return nil, conv, fmt.Errorf("data.unlabelled %s: %w; point it at a folder of images or a .npy file", path, err)
	}
	var px []float32
	var n int
	switch {
	case st.IsDir():
		files, err := ListImages(path, true)
		if err != nil {
			return nil, conv, fmt.Errorf("data.unlabelled %s: %w", path, err)
		}
		if len(files) == 0 {
			return nil, conv, fmt.Errorf("data.unlabelled %s holds no images (%s)", path, strings.Join(ImageExtensions, ", "))
		}
		n, px = len(files), make([]float32, len(files)*to.Values())
		if conv, err = DecodeImages(files, to, px); err != nil {
			return nil, conv, err
		}
	case strings.HasSuffix(strings.ToLower(path), ".npy"):
		if px, n, conv, err = readNPYImages(path, to); err != nil {
			return nil, conv, err
		}
	default:
		return nil, conv, fmt.Errorf("data.unlabelled %s: neither a folder nor a .npy file", path)
	}
	s := &Set{Images: px, Labels: make([]int, n), Shape: to}
	for i := range s.Labels {
		s.Labels[i] = -1
	}
	return s, conv, nil
}
