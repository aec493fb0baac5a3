// Package progress draws a progress bar on a terminal and plain log lines
// elsewhere (pipes, files, CI, --quiet callers pass io.Discard).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Bar tracks progress towards a total. It is safe for concurrent use.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	unit    string
	total   int64
	cur     int64
	status  string
	tty     bool
	start   time.Time
	last    time.Time
	lastPct int
	printed int64 // count at the last plain line
	done    bool
	now     func() time.Time
}

// New starts a bar. unit names what is counted ("B" shows bytes as MB).
func New(w io.Writer, label string, total int64, unit string) *Bar {
	if w == nil {
		w = io.Discard
	}
	b := &Bar{w: w, label: label, unit: unit, total: total, tty: IsTerminal(w), now: time.Now, lastPct: -1}
	b.start = b.now()
	return b
}

// Write counts len(p) units, so a Bar can sit behind an io.TeeReader.
func (b *Bar) Write(p []byte) (int, error) {
	b.Add(int64(len(p)))
	return len(p), nil
}

// Add advances the bar by n.
func (b *Bar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cur += n
	b.draw(false)
}

// SetStatus sets text shown after the counts (a loss, a rate).
func (b *Bar) SetStatus(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status = s
}

// Finish draws the final state and ends the line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.draw(true)
	b.done = true
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

func (b *Bar) draw(final bool) {
	pct := 100
	if b.total > 0 {
		pct = int(100 * b.cur / b.total)
	}
	now := b.now()
	if b.tty {
		if !final && now.Sub(b.last) < 100*time.Millisecond {
			return
		}
		b.last = now
		const width = 30
		fill := width * pct / 100
		fmt.Fprintf(b.w, "\r%s [%s%s] %s", b.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), b.text(now))
		return
	}
	// Plain output: a line every 10%, and at the end unless just printed.
	if !final && pct/10 == b.lastPct/10 {
		return
	}
	if final && b.printed == b.cur && b.lastPct >= 0 {
		return
	}
	b.lastPct, b.printed = pct, b.cur
	fmt.Fprintf(b.w, "%s: %s\n", b.label, b.text(now))
}

func (b *Bar) text(now time.Time) string {
	s := fmt.Sprintf("%s/%s", b.format(b.cur), b.format(b.total))
	el := now.Sub(b.start)
	if b.total > 0 && b.cur > 0 && b.cur < b.total {
		left := time.Duration(float64(el) * float64(b.total-b.cur) / float64(b.cur))
		s += fmt.Sprintf(" %s left", left.Round(time.Second))
	} else {
		s += fmt.Sprintf(" in %s", el.Round(time.Millisecond*100))
	}
	if b.status != "" {
		s += " " + b.status
	}
	return s
}

func (b *Bar) format(n int64) string {
	if b.unit == "B" {
		return fmt.Sprintf("%.1fMB", float64(n)/1e6)
	}
	return fmt.Sprintf("%d%s", n, b.unit)
}
