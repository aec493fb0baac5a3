package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/progress"
)

// DefaultMirror is the dataset's official download location.
const DefaultMirror = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com"

// FetchOptions configures Fetch.
type FetchOptions struct {
	Mirror string       // base URL; the files are Mirror/<name>.gz
	Dir    string       // destination folder; empty means CacheDir()
	Client *http.Client // nil means http.DefaultClient
	Log    io.Writer    // progress output; nil discards it
}

// Fetch downloads the four files into the destination folder. Each download
// goes to a temporary file and is verified against the pinned SHA-256 of its
// decompressed content; only when all four verify are they renamed into
// place, so a failed or corrupted download leaves nothing behind.
func Fetch(ctx context.Context, o FetchOptions) (string, error) {
	if o.Mirror == "" {
		o.Mirror = DefaultMirror
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Dir == "" {
		d, err := CacheDir()
		if err != nil {
			return "", err
		}
		o.Dir = d
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", o.Dir, err)
	}
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t) // no-op for files already renamed
		}
	}()
	for _, f := range Files {
		tmp, err := download(ctx, o, f)
		if tmp != "" {
			temps = append(temps, tmp)
		}
		if err != nil {
			return "", err
		}
	}
	for i, f := range Files {
		if err := os.Rename(temps[i], filepath.Join(o.Dir, f.Name+".gz")); err != nil {
			return "", fmt.Errorf("moving %s into %s: %w", f.Name, o.Dir, err)
		}
	}
	return o.Dir, nil
}

func download(ctx context.Context, o FetchOptions, f File) (string, error) {
	url := strings.TrimRight(o.Mirror, "/") + "/" + f.Name + ".gz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("bad mirror URL %q: %w", o.Mirror, err)
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot reach the mirror for %s: %w; instead, %s", url, err, InstallHint)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("mirror answered %s for %s; try another --mirror, or %s", resp.Status, url, InstallHint)
	}
	tf, err := os.CreateTemp(o.Dir, "."+f.Name+".gz.tmp-*")
	if err != nil {
		return "", fmt.Errorf("creating a temporary file in %s: %w", o.Dir, err)
	}
	defer tf.Close()
	bar := progress.New(o.Log, f.Name+".gz", resp.ContentLength, "B")
	_, err = io.Copy(tf, io.TeeReader(resp.Body, bar))
	bar.Finish()
	if err != nil {
		return tf.Name(), fmt.Errorf("downloading %s: %w", url, err)
	}
	if err := tf.Close(); err != nil {
		return tf.Name(), fmt.Errorf("writing %s: %w", tf.Name(), err)
	}
	if err := verifyFile(tf.Name(), f); err != nil {
		return tf.Name(), fmt.Errorf("refusing %s: %w", url, err)
	}
	return tf.Name(), nil
}

// ErrChecksum marks content whose SHA-256 differs from the pinned one.
var ErrChecksum = errors.New("checksum mismatch")

func verifyFile(path string, f File) error {
	idx, err := ReadIDXFile(path)
	if err != nil {
		return err
	}
	if idx.SHA256 != f.SHA256 {
		return fmt.Errorf("%w for %s: decompressed SHA-256 %s, want %s", ErrChecksum, f.Name, idx.SHA256, f.SHA256)
	}
	return nil
}
