package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockRefusesSecondRun(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second Acquire: %v, want ErrLocked naming the folder", err)
	}
	l.Release()
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

func TestStaleLockIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	// PID 2^22+1 is above Linux's pid_max default range and never running.
	os.WriteFile(filepath.Join(dir, ".lock"), []byte("4194305\n"), 0o644)
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	l.Release()
}

func TestPrepareUnwritable(t *testing.T) {
	// Tests run as root here, who writes anywhere: a path under a regular
	// file fails for everyone.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	err := Prepare(filepath.Join(f, "sub"), 0)
	if err == nil || !strings.Contains(err.Error(), "output_dir") {
		t.Fatalf("Prepare under a file: %v", err)
	}
	if err := Prepare(t.TempDir(), 1<<62); err == nil || !strings.Contains(err.Error(), "free") {
		t.Fatalf("Prepare wanting 4 EiB free: %v", err)
	}
}
