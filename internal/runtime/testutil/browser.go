package testutil

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// BrowserImages loads a report page in headless Chromium and returns the
// data-images marker ("decoded/total") the page's script sets on load.
func BrowserImages(t testing.TB, page string) string {
	t.Helper()
	dom := BrowserDOM(t, page)
	m := regexp.MustCompile(`data-images="([0-9]+/[0-9]+)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page never finished loading (no data-images marker); DOM starts %q", dom[:min(len(dom), 300)])
	}
	return m[1]
}

// BrowserDOM loads a page in headless Chromium and returns the document
// as Chromium parsed it, serialised after its scripts ran.
func BrowserDOM(t testing.TB, page string) string {
	t.Helper()
	bin := chromium(t)
	abs := absPath(t, page)
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom", "file://"+abs)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatal("Chromium did not finish in 90s")
	}
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// Screenshot renders a page in headless Chromium into a PNG at path
// (width x height pixels of the page, from its top).
func Screenshot(t testing.TB, page, path string, width, height int) {
	t.Helper()
	bin := chromium(t)
	abs, out := absPath(t, page), absPath(t, path)
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", fmt.Sprintf("--window-size=%d,%d", width, height),
		"--screenshot="+out, "file://"+abs)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, msg)
	}
}

// absPath is p made absolute, for a file:// URL or a Chromium flag.
func absPath(t testing.TB, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return abs
}

func chromium(t testing.TB) string {
	for _, c := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Fatal("headless Chromium is needed for this test: apt-get install chromium (make setup does)")
	return ""
}
