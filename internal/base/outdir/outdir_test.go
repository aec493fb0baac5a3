package outdir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// helperEnv, when set, makes the test binary a lock-taking child process
// (see TestMain and lockChild) instead of running the tests.
const helperEnv = "OUTDIR_TEST_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(lockChild(dir))
	}
	os.Exit(m.Run())
}

// lockChild waits for the start signal (end of file on descriptor 3, shared
// by every child), tries to lock dir, prints "locked PID" or
// "refused: error" on one line, and then, if it holds the lock, keeps it
// until its standard input ends.
func lockChild(dir string) int {
	if _, err := io.Copy(io.Discard, os.NewFile(3, "start")); err != nil {
		fmt.Printf("start signal: %v\n", err)
		return 1
	}
	l, err := Acquire(dir)
	if err != nil {
		fmt.Printf("refused: %v\n", err)
		return 0
	}
	fmt.Printf("locked %d\n", os.Getpid())
	_, err = io.Copy(io.Discard, os.Stdin) // held until the parent closes stdin
	l.Release()
	if err != nil {
		fmt.Printf("stdin: %v\n", err)
		return 1
	}
	return 0
}

// child is one lockChild process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// startChildren starts n lockChild processes on dir, all waiting on one
// start pipe, and returns them with the pipe's write end: closing it
// releases them all at the same moment.
func startChildren(t *testing.T, dir string, n int) ([]*child, *os.File) {
	t.Helper()
	startR, startW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer startR.Close()
	var kids []*child
	for range n {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), helperEnv+"="+dir)
		cmd.ExtraFiles = []*os.File{startR}
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := &child{cmd: cmd, stdin: in, out: bufio.NewReader(out)}
		kids = append(kids, c)
		t.Cleanup(func() {
			c.stdin.Close()
			if c.cmd.ProcessState != nil { // already waited for
				return
			}
			c.cmd.Process.Kill()
			var exit *exec.ExitError
			if err := c.cmd.Wait(); err != nil && !errors.As(err, &exit) {
				t.Errorf("child %d: %v", c.cmd.Process.Pid, err)
			}
		})
	}
	return kids, startW
}

func (c *child) line(t *testing.T) string {
	t.Helper()
	s, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("child %d printed %q: %v", c.cmd.Process.Pid, s, err)
	}
	return strings.TrimSpace(s)
}

// TestEightProcessesOneRuns: eight processes released at the same moment
// lock one folder; exactly one gets it and the seven others refuse, each
// naming the folder and the holder's PID (the one the parent started).
func TestEightProcessesOneRuns(t *testing.T) {
	dir := t.TempDir()
	kids, start := startChildren(t, dir, 8)
	start.Close()
	holder, lines := -1, make([]string, len(kids))
	for i, c := range kids {
		lines[i] = c.line(t)
		if strings.HasPrefix(lines[i], "locked ") {
			if holder >= 0 {
				t.Fatalf("two processes hold the lock: %q and %q", lines[holder], lines[i])
			}
			holder = i
		}
	}
	if holder < 0 {
		t.Fatalf("no process got the lock:\n%s", strings.Join(lines, "\n"))
	}
	pid := kids[holder].cmd.Process.Pid
	if lines[holder] != "locked "+strconv.Itoa(pid) {
		t.Errorf("holder printed %q, want its PID %d", lines[holder], pid)
	}
	want := fmt.Sprintf("%v: %s is being written by process %d;", ErrLocked, dir, pid)
	for i, s := range lines {
		if i != holder && !strings.Contains(s, want) {
			t.Errorf("child %d: %q, want a refusal containing %q", kids[i].cmd.Process.Pid, s, want)
		}
	}
	for _, c := range kids {
		c.stdin.Close()
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("child %d: %v", c.cmd.Process.Pid, err)
		}
	}
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after every child ended: %v", err)
	}
	l.Release()
}

// TestKilledHolderFreesLock: a process holding the lock is killed with
// SIGKILL (no chance to release it); the lock file stays, naming it, and
// the next Acquire takes the lock at once.
func TestKilledHolderFreesLock(t *testing.T) {
	dir := t.TempDir()
	kids, start := startChildren(t, dir, 1)
	start.Close()
	c := kids[0]
	pid := c.cmd.Process.Pid
	if s := c.line(t); s != "locked "+strconv.Itoa(pid) {
		t.Fatalf("child printed %q, want locked %d", s, pid)
	}
	if _, err := Acquire(dir); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("process %d;", pid)) {
		t.Fatalf("Acquire while the child holds it: %v, want ErrLocked naming process %d", err, pid)
	}
	if err := c.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err == nil {
		t.Fatal("the killed holder exited cleanly, want killed by SIGKILL")
	}
	if got := readPID(filepath.Join(dir, LockFile)); got != pid {
		t.Fatalf("the killed holder's lock file names PID %d, want %d", got, pid)
	}
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	defer l.Release()
	if got := readPID(filepath.Join(dir, LockFile)); got != os.Getpid() {
		t.Errorf("lock file names PID %d after Acquire, want this process's %d", got, os.Getpid())
	}
}

// TestLockRefusesSecondRun: a second Acquire in the same process (another
// open file, so another flock) is refused, naming the folder and this
// process; after Release the folder can be locked again.
func TestLockRefusesSecondRun(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir)
	want := fmt.Sprintf("%s is being written by process %d;", dir, os.Getpid())
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), want) {
		t.Fatalf("second Acquire: %v, want ErrLocked containing %q", err, want)
	}
	l.Release()
	l.Release() // a second Release does nothing
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

// TestLockFileWithoutHolderIsFree: the file's content is information only.
// A lock file naming a running process (this one) but locked by no one is
// taken, and its PID replaced.
func TestLockFileWithoutHolderIsFree(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LockFile)
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil { // PID 1 always runs
		t.Fatal(err)
	}
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("unheld lock file not taken: %v", err)
	}
	if got := readPID(path); got != os.Getpid() {
		t.Errorf("lock file names PID %d, want %d", got, os.Getpid())
	}
	l.Release()
	// Released, the file still names this process, and is free all the same.
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err = Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer l.Release()
	if got := readPID(path); got != os.Getpid() {
		t.Errorf("lock file names PID %d after the second Acquire, want %d", got, os.Getpid())
	}
}

// TestRefusalWithoutPID: a holder whose PID is not (yet) in the file is
// still refused, with a message saying so.
func TestRefusalWithoutPID(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if err := l.f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "its PID is not in "+filepath.Join(dir, LockFile)) {
		t.Fatalf("Acquire of a held lock without a PID: %v", err)
	}
}

func TestPrepareUnwritable(t *testing.T) {
	// Tests run as root here, who writes anywhere: a path under a regular
	// file fails for everyone.
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Prepare(filepath.Join(f, "sub"), 0)
	if err == nil || !strings.Contains(err.Error(), "output_dir") {
		t.Fatalf("Prepare under a file: %v", err)
	}
	if err := Prepare(t.TempDir(), 1<<62); err == nil || !strings.Contains(err.Error(), "free") {
		t.Fatalf("Prepare wanting 4 EiB free: %v", err)
	}
}
