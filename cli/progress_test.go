package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// fakeClock advances by step on each reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

func TestProgressOnATerminal(t *testing.T) {
	defer func(f func(io.Writer) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(io.Writer) bool { return true }
	var buf bytes.Buffer
	p := newProgress(&buf, false)
	p.now = fakeClock(50 * time.Millisecond) // two updates per redraw interval
	p.start = p.now()
	for done := 1; done <= 10; done++ {
		p.update(done, 10, done/4)
	}
	p.finish("checked %d", 10)
	out := buf.String()
	draws := strings.Count(out, " images, ")
	// Every other update is within 100 ms of the last drawn one, and the last is always drawn.
	if draws < 4 || draws > 6 {
		t.Errorf("%d redraws for 10 updates, want about 5: %q", draws, out)
	}
	if !strings.Contains(out, "checked 10/10 images, 2 missing, ") || !strings.Contains(out, "/s") {
		t.Errorf("last progress line missing: %q", out)
	}
	if !strings.HasSuffix(out, "\r\033[Kchecked 10 in 550ms\n") {
		t.Errorf("summary: %q", out)
	}
}

func TestProgressQuietOrPiped(t *testing.T) {
	defer func(f func(io.Writer) bool) { isTerminal = f }(isTerminal)
	for _, c := range []struct {
		name       string
		tty, quiet bool
	}{{"piped", false, false}, {"quiet", true, true}} {
		isTerminal = func(io.Writer) bool { return c.tty }
		var buf bytes.Buffer
		p := newProgress(&buf, c.quiet)
		p.now = fakeClock(time.Second)
		p.start = p.now()
		p.update(1, 2, 0)
		p.update(2, 2, 1)
		p.finish("checked %d", 2)
		if got := buf.String(); got != "checked 2 in 1s\n" {
			t.Errorf("%s: %q; want only the summary", c.name, got)
		}
	}
}
