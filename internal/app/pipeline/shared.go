package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/base/outdir"
)

// SharedFolder, in a sweep's folder, holds a lock per stage fingerprint
// that a sweep's runs may share: the run computing the stage holds it, so
// that another process (hourglass sweep --variant N on another machine
// sharing the folder) needing the same stage waits and reuses the result
// rather than computing it a second time.
const SharedFolder = ".shared"

// holderFile, in a shared stage's lock folder, names the run computing it.
const holderFile = "holder"

// claimEvery is how often a run waiting for a shared stage tries its lock.
var claimEvery = 200 * time.Millisecond

// sharedClaim is a held shared-stage lock.
type sharedClaim struct {
	lock   *outdir.Lock
	holder string // the holder file, removed on release
}

// Release removes the holder file and drops the lock; safe on nil.
func (c *sharedClaim) Release() {
	if c == nil {
		return
	}
	os.Remove(c.holder) // the next holder writes its own; a stale one only names the wrong run
	c.lock.Release()
}

// claimShared takes the lock of stage with fingerprint fp in the folder
// dir, waiting while another run holds it (saying so once in log, naming
// the holder once it has written its name, or after a second), until ctx
// ends. The caller checks for the stage to reuse after the lock is taken,
// and releases it once the stage is finished or has failed.
func claimShared(ctx context.Context, dir, stage, fp, run string, log io.Writer) (*sharedClaim, error) {
	lockDir := filepath.Join(dir, stage+"-"+fp[:min(16, len(fp))])
	if err := os.MkdirAll(lockDir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: the sweep's shared-stage lock: %w", stage, err)
	}
	holder := filepath.Join(lockDir, holderFile)
	said := false
	for start := time.Now(); ; {
		l, err := outdir.Acquire(lockDir)
		if err == nil {
			who := fmt.Sprintf("run %s (process %d)", run, os.Getpid())
			if err := atomicfile.WriteBytes(holder, []byte(who+"\n")); err != nil {
				l.Release()
				return nil, fmt.Errorf("%s: the sweep's shared-stage lock: %w", stage, err)
			}
			return &sharedClaim{lock: l, holder: holder}, nil
		}
		if !errors.Is(err, outdir.ErrLocked) {
			return nil, fmt.Errorf("%s: the sweep's shared-stage lock: %w", stage, err)
		}
		if !said {
			who := ""
			if b, err := os.ReadFile(holder); err == nil {
				who = strings.TrimSpace(string(b))
			}
			if who == "" && time.Since(start) > time.Second {
				who = "another run"
			}
			if who != "" {
				fmt.Fprintf(log, "%s: %s is computing the same stage; waiting for it, to reuse its outputs\n", stage, who)
				said = true
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: waiting for another run to compute it: %w", stage, ctx.Err())
		case <-time.After(claimEvery):
		}
	}
}
