// Package outdir prepares a stage's output folder: it checks the folder is
// writable with room to spare before hours of work, and holds a lock file
// so two runs never write into the same folder at once.
package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

)

// LockFile is the lock file's name inside a locked folder.
const LockFile = ".lock"

// MinFreeBytes is the free space a run wants before it starts.
const MinFreeBytes = 64 << 20

// Prepare creates dir, checks it is writable and has at least minFree bytes
// free, and returns an error that says what to do otherwise.
func Prepare(dir string, minFree uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder %s: %w (set output_dir to a folder you can write)", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return fmt.Errorf("output folder %s is not writable: %w (set output_dir to a folder you can write)", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err == nil {
		if free := st.Bavail * uint64(st.Bsize); free < minFree {
			return fmt.Errorf("output folder %s has %d MiB free, less than the %d MiB a run needs: free some space or set output_dir elsewhere",
				dir, free>>20, minFree>>20)
		}
	}
	return nil
}

// Lock is a held lock file.
type Lock struct{ path string }

// ErrLocked means another live process holds the folder.
var ErrLocked = errors.New("output folder is in use")

// Acquire takes the lock file in dir for this process. A lock left by a process that
// no longer runs is taken over; one held by a live process is refused.
func Acquire(dir string) (*Lock, error) {
	path := filepath.Join(dir, LockFile)
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return &Lock{path: path}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		pid := readPID(path)
		if pid > 0 && alive(pid) {
			return nil, fmt.Errorf("%w: %s is being written by process %d (lock %s); wait for it, stop it, or set another output_dir",
				ErrLocked, dir, pid, path)
		}
		os.Remove(path) // stale: its process is gone
	}
	return nil, fmt.Errorf("locking %s: could not take over a stale lock %s", dir, path)
}

// Release removes the lock file.
func (l *Lock) Release() {
	if l != nil {
		os.Remove(l.path)
	}
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Open prepares dir (Prepare with MinFreeBytes) and takes its lock.
func Open(dir string) (*Lock, error) {
	if err := Prepare(dir, MinFreeBytes); err != nil {
		return nil, err
	}
	return Acquire(dir)
}
