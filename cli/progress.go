package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// isTerminal tells whether w is a terminal (a character device), where progress is
// shown; tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// progress shows how a long command advances on one rewritten line of standard error,
// when that is a terminal and --quiet is not given, and ends with a summary line either
// way.
type progress struct {
	w        io.Writer
	show     bool
	now      func() time.Time
	start    time.Time
	mu       sync.Mutex
	last     time.Time
	shown    bool
	interval time.Duration
}

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, show: !quiet && isTerminal(w), now: time.Now, interval: 100 * time.Millisecond}
	p.start = p.now()
	return p
}

// update reports done of total, failed of them so far. Lines are redrawn at most every
// interval, and always for the last one. Errors writing are ignored: progress is best
// effort and must not fail the command.
func (p *progress) update(done, total, failed int) {
	if !p.show {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if done < total && now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	rate := 0.0
	if el := now.Sub(p.start).Seconds(); el > 0 {
		rate = float64(done) / el
	}
	_, _ = fmt.Fprintf(p.w, "\r\033[Kchecked %d/%d images, %d missing, %.1f/s", done, total, failed, rate)
	p.shown = true
}

// clear erases the progress line, if one is shown (before an error line).
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
}

func (p *progress) clearLocked() {
	if p.shown {
		_, _ = fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// finish ends the progress line and writes the summary.
func (p *progress) finish(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	_, _ = fmt.Fprintf(p.w, format+" in %s\n", append(a, p.now().Sub(p.start).Round(10*time.Millisecond))...)
}
