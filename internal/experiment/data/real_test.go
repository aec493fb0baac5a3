package data

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realDir finds the real dataset; these end-to-end tests need it (CI
// installs Debian's dataset-fashion-mnist).
func realDir(t *testing.T) string {
	t.Helper()
	loc, err := Discover("", nil)
	if err != nil {
		t.Fatalf("the real Fashion-MNIST is needed for this test: %v", err)
	}
	return loc.Dir
}

func TestRealDataset(t *testing.T) {
	dir := realDir(t)
	reps, err := Verify(dir)
	if err != nil {
		t.Fatalf("Verify(%s): %v", dir, err)
	}
	for _, r := range reps {
		if !r.Match || r.Count != r.File.Count {
			t.Errorf("%s: count %d (want %d), checksum match %v", r.File.Name, r.Count, r.File.Count, r.Match)
		}
	}
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		s        *Set
		n, class int
	}{"train": {train, 60000, 6000}, "test": {test, 10000, 1000}} {
		if tc.s.Len() != tc.n {
			t.Errorf("%s: %d images, want %d", name, tc.s.Len(), tc.n)
		}
		for c, n := range tc.s.ClassCounts(10) {
			if n != tc.class {
				t.Errorf("%s class %d: %d images, want %d", name, c, n, tc.class)
			}
		}
	}
}

// serveDir serves dir's files, with corrupt (if set) flipping a byte of the
// named file's decompressed content.
func serveDir(t *testing.T, dir, corrupt string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := filepath.Base(r.URL.Path)
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if name == corrupt {
			idx, err := ReadIDXFile(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("serving %s: %v", name, err) // t.Fatal must not run off the test's goroutine
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			payload := append([]byte(nil), idx.Data...)
			payload[len(payload)/2] ^= 1
			var buf strings.Builder
			if err := WriteIDX(&buf, idx.Dims, payload, true); err != nil {
				t.Errorf("serving %s: %v", name, err)
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			b = []byte(buf.String())
		}
		if _, err := w.Write(b); err != nil {
			// The client went away; what it got is its to judge.
			t.Logf("serving %s: %v", name, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchFromLocalMirror(t *testing.T) {
	src := realDir(t)
	if _, ok := findFile(src, Files[0].Name+".gz"); !ok && filepath.Ext(mustFind(t, src, Files[0].Name)) != ".gz" {
		t.Fatalf("%s holds raw IDX files; this test serves .gz files", src)
	}
	srv := serveDir(t, src, "")
	cache := filepath.Join(t.TempDir(), "cache")
	dir, err := Fetch(context.Background(), FetchOptions{Mirror: srv.URL, Dir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir); err != nil {
		t.Fatalf("fetched files do not verify: %v", err)
	}
	ents, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 4 {
		t.Errorf("cache holds %d entries, want exactly the 4 files", len(ents))
	}
}

func mustFind(t *testing.T, dir, name string) string {
	p, ok := findFile(dir, name)
	if !ok {
		t.Fatalf("%s missing from %s", name, dir)
	}
	return p
}

func TestFetchRefusesCorruptFile(t *testing.T) {
	srv := serveDir(t, realDir(t), "t10k-labels-idx1-ubyte.gz")
	cache := filepath.Join(t.TempDir(), "cache")
	_, err := Fetch(context.Background(), FetchOptions{Mirror: srv.URL, Dir: cache})
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "t10k-labels-idx1-ubyte") {
		t.Fatalf("err = %v, want a checksum error naming t10k-labels-idx1-ubyte", err)
	}
	ents, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("cache holds %d entries after a refused fetch, want none", len(ents))
	}
}

func TestFetchUnreachableMirror(t *testing.T) {
	// A port that was listening a moment ago and is now closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "cache")
	_, err = Fetch(context.Background(), FetchOptions{Mirror: "http://" + addr, Dir: cache})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Fatalf("err = %v, want an unreachable-mirror error with install instructions", err)
	}
}

func TestDiscover(t *testing.T) {
	good := t.TempDir()
	for _, f := range Files {
		if err := os.WriteFile(filepath.Join(good, f.Name+".gz"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	if l, err := Discover(good, env(map[string]string{EnvDir: empty})); err != nil || l.Dir != good || l.How != "data.dir" {
		t.Errorf("data.dir should win: %+v %v", l, err)
	}
	if l, err := Discover("", env(map[string]string{EnvDir: good})); err != nil || l.How != EnvDir {
		t.Errorf("HOURGLASS_DATA should be used: %+v %v", l, err)
	}
	if _, err := Discover(empty, env(nil)); err == nil || !strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "lacks") {
		t.Errorf("an explicit folder without the files must fail naming it: %v", err)
	}
}
