package bench

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Machine says where and from what figures were measured.
type Machine struct {
	Commit    string // the commit, with "(uncommitted changes)" when the tree differs
	CPU       string // the CPU's model name
	Cores     int    // logical CPUs
	GoVersion string
	Date      time.Time
}

// DescribeMachine reads the commit (git in the working directory, else the
// build's VCS stamp), the CPU model (/proc/cpuinfo), the cores, the Go
// version and the time; what it cannot read is "unknown".
func DescribeMachine() Machine {
	return Machine{Commit: commit(), CPU: cpuModel("/proc/cpuinfo"), Cores: runtime.NumCPU(),
		GoVersion: runtime.Version(), Date: time.Now().UTC()}
}

// commit is `git rev-parse` of the working tree, or the binary's stamp.
func commit() string {
	if out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		c := strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
			c += " (uncommitted changes)"
		}
		return c
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if modified == "true" {
				rev += " (uncommitted changes)"
			}
			return rev + " (build stamp)"
		}
	}
	return "unknown"
}

// cpuModel is the first "model name" line of a cpuinfo file.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// LoadAverage is the one-minute load average (/proc/loadavg), or "unknown":
// the document says it before and after measuring, since other work on
// the cores shows in every figure.
func LoadAverage() string {
	return loadAverage("/proc/loadavg")
}

func loadAverage(path string) string {
	b, err := os.ReadFile(path)
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
