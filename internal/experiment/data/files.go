package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File is one of the four Fashion-MNIST files.
type File struct {
	Name   string // base name without .gz, e.g. "train-images-idx3-ubyte"
	SHA256 string // SHA-256 of the decompressed IDX bytes
	Count  int    // images or labels it holds
}

// Files are the four Fashion-MNIST files with their pinned checksums. The
// sums are of the decompressed content, which Debian's package and the
// official mirror share (their .gz files differ byte for byte).
var Files = []File{
	{"train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 60000},
	{"train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60000},
	{"t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 10000},
	{"t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10000},
}

// DebianDir is where Debian's dataset-fashion-mnist package puts the files.
const DebianDir = "/usr/share/datasets/fashion-mnist"

// EnvDir names the environment variable that points at a data folder.
const EnvDir = "HOURGLASS_DATA"

// CacheDir is the user cache folder that `hourglass data fetch` fills.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache folder: %w (set %s or data.dir instead)", err, EnvDir)
	}
	return filepath.Join(d, "hourglass", "fashion-mnist"), nil
}

// findFile returns the path of name in dir, gzip'd or raw.
func findFile(dir, name string) (string, bool) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// missingFiles lists which of the four files dir lacks.
func missingFiles(dir string) []string {
	var miss []string
	for _, f := range Files {
		if _, ok := findFile(dir, f.Name); !ok {
			miss = append(miss, f.Name+"[.gz]")
		}
	}
	return miss
}

// Location is where the data was found and why that place was chosen.
type Location struct {
	Dir string
	How string // "data.dir", "HOURGLASS_DATA", "Debian package", "user cache"
}

// InstallHint says how to get the data onto this machine.
const InstallHint = "install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu) or `hourglass data fetch`, " +
	"or point data.dir or " + EnvDir + " at a folder holding the four files"

// Discover finds the folder holding all four files: configDir when set,
// then $HOURGLASS_DATA, then Debian's folder, then the user cache. An
// explicitly named folder that lacks files is an error, never skipped.
func Discover(configDir string, lookupEnv func(string) (string, bool)) (Location, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	explicit := []Location{{configDir, "data.dir"}}
	if d, ok := lookupEnv(EnvDir); ok {
		explicit = append(explicit, Location{d, EnvDir})
	}
	for _, l := range explicit {
		if l.Dir == "" {
			continue
		}
		if miss := missingFiles(l.Dir); len(miss) > 0 {
			return Location{}, fmt.Errorf("%s %s lacks %s; %s", l.How, l.Dir, strings.Join(miss, ", "), InstallHint)
		}
		return l, nil
	}
	var looked []string
	candidates := []Location{{DebianDir, "Debian package"}}
	if c, err := CacheDir(); err == nil {
		candidates = append(candidates, Location{c, "user cache"})
	}
	for _, l := range candidates {
		if len(missingFiles(l.Dir)) == 0 {
			return l, nil
		}
		looked = append(looked, l.Dir)
	}
	return Location{}, errors.New("Fashion-MNIST not found (looked in data.dir, $" + EnvDir + ", " +
		strings.Join(looked, ", ") + "); " + InstallHint)
}
