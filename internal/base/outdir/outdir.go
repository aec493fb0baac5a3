// Package outdir prepares a stage's output folder: it checks the folder is
// writable with room to spare before hours of work, and locks it so two
// runs never write into the same folder at once.
//
// The lock is an advisory lock (flock) on the file .lock in the folder,
// held for as long as the process keeps it: the kernel drops it when the
// process ends, however it ends, so a killed run never leaves the folder
// locked. The file itself stays; the PID written into it only names the
// holder in the message a refused process prints.
package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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

// Lock is a held folder lock: an open lock file with an exclusive flock on
// it, kept until Release or the end of the process.
type Lock struct{ f *os.File }

// ErrLocked means another process holds the folder.
var ErrLocked = errors.New("output folder is in use")

// Acquire locks dir for this process, or refuses at once with ErrLocked,
// naming the holder's PID, when another process (or another Acquire of
// this one) holds it. A lock file left by a process that has ended holds
// no lock and is simply taken.
func Acquire(dir string) (*Lock, error) {
	path := filepath.Join(dir, LockFile)
	// No O_TRUNC: the file may be another process's, whose PID is in it.
	// Go opens it close-on-exec, so no child process inherits the lock.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w (set output_dir to a folder you can write)", dir, err)
	}
	if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, lockedError(dir, path)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := writePID(f); err != nil {
		f.Close() // drops the lock
		return nil, fmt.Errorf("locking %s: writing the PID into %s: %w", dir, path, err)
	}
	return &Lock{f: f}, nil
}

// Release unlocks the folder: closing the file drops the flock (the next
// holder overwrites the PID left in it). The file stays: removing it would
// let a process that opened it a moment before lock a file no longer in
// the folder while a third creates and locks a new one. Release is safe to
// call twice and on nil.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Close()
	l.f = nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		return err
	}
	return f.Sync()
}

// lockedError names the holder. The holder writes its PID just after it
// takes the lock, so for a moment the file may be empty or still name the
// previous, ended holder: it is read again until it names a running
// process, for at most holderWait.
func lockedError(dir, path string) error {
	pid, running := holder(path, holderWait)
	who := "another process (its PID is not in " + path + ")"
	switch {
	case running:
		who = fmt.Sprintf("process %d", pid)
	case pid > 0:
		who = fmt.Sprintf("another process (%s names PID %d, not running here: it may be on another machine or in a container)", path, pid)
	}
	return fmt.Errorf("%w: %s is being written by %s; wait for it to finish, stop it, or set another output_dir",
		ErrLocked, dir, who)
}

const holderWait = time.Second

func holder(path string, wait time.Duration) (pid int, running bool) {
	deadline := time.Now().Add(wait)
	for {
		pid = readPID(path)
		if pid > 0 && alive(pid) {
			return pid, true
		}
		if time.Now().After(deadline) {
			return pid, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readPID reads the first line of the lock file as a PID; 0 when there is
// none.
func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid < 0 {
		return 0
	}
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
