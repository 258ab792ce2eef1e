package output

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
)

// Defaults of ProgressOptions.
const (
	// DefaultLogEvery is how often a plain progress line is written when
	// the writer is not a terminal.
	DefaultLogEvery = 5 * time.Second
	// DefaultRedrawEvery is how often the line on a terminal is redrawn at
	// most.
	DefaultRedrawEvery = 100 * time.Millisecond
	// DefaultWidth is the width a terminal line is cut to: a line that
	// wraps could not be redrawn in place.
	DefaultWidth = 79
)

// clearLine moves to the start of the line and clears it (ANSI EL).
const clearLine = "\r\x1b[K"

// ProgressOptions say where and how a Progress writes.
type ProgressOptions struct {
	// Terminal redraws one line in place; otherwise a plain line is
	// written every LogEvery, with no carriage return.
	Terminal bool
	// Quiet writes nothing at all.
	Quiet bool
	// LogEvery: see DefaultLogEvery; RedrawEvery: see DefaultRedrawEvery.
	LogEvery, RedrawEvery time.Duration
	// Width: see DefaultWidth.
	Width int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Step is how far a long command got.
type Step struct {
	// What names the command and its run, e.g. "replay 20260504T0900Z-1a2b3c".
	What string
	// Done of Total Unit ("events", "rooms"); a Total of 0 is unknown, and
	// then no ETA is shown.
	Done, Total uint64
	Unit        string
	// Detail is more counts, shown after the rate.
	Detail string
}

// Progress writes the progress of one long command to a writer meant for
// people (stderr). It is used by one goroutine.
type Progress struct {
	w     io.Writer
	o     ProgressOptions
	start time.Time
	// last is when a line was last written; drawn is true while a line is
	// on the terminal.
	last  time.Time
	wrote bool
	drawn bool
}

// NewProgress returns a Progress writing to w; it starts the clock of the
// rate and the ETA.
func NewProgress(w io.Writer, o ProgressOptions) *Progress {
	if o.LogEvery <= 0 {
		o.LogEvery = DefaultLogEvery
	}
	if o.RedrawEvery <= 0 {
		o.RedrawEvery = DefaultRedrawEvery
	}
	if o.Width <= 0 {
		o.Width = DefaultWidth
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Progress{w: w, o: o, start: o.Now()}
}

// Update shows s. The first step is written at once; after it, on a
// terminal the line is redrawn at most every RedrawEvery, elsewhere a line
// is written every LogEvery. Steps in between are dropped.
func (p *Progress) Update(s Step) {
	if p.o.Quiet {
		return
	}
	now := p.o.Now()
	every := p.o.LogEvery
	if p.o.Terminal {
		every = p.o.RedrawEvery
	}
	if p.wrote && now.Sub(p.last) < every {
		return
	}
	p.last, p.wrote = now, true
	line := s.line(now.Sub(p.start))
	if p.o.Terminal {
		if r := []rune(line); len(r) > p.o.Width {
			line = string(r[:p.o.Width-1]) + "…"
		}
		fmt.Fprint(p.w, clearLine+line)
		p.drawn = true
		return
	}
	fmt.Fprintf(p.w, "%s %s\n", now.UTC().Format(time.RFC3339), line)
}

// Done clears the line on a terminal, so that what the command prints next
// starts on a clean line. Call it before the summary, also on failure.
func (p *Progress) Done() {
	if p.drawn {
		fmt.Fprint(p.w, clearLine)
		p.drawn = false
	}
}

// line is s as text after elapsed: counts, rate, ETA when known, detail.
func (s Step) line(elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d", s.What, s.Done)
	if s.Total > 0 {
		fmt.Fprintf(&b, "/%d %s (%d%%)", s.Total, s.Unit, min(100, s.Done*100/s.Total))
	} else {
		fmt.Fprintf(&b, " %s", s.Unit)
	}
	if secs := elapsed.Seconds(); secs > 0 && s.Done > 0 {
		rate := float64(s.Done) / secs
		fmt.Fprintf(&b, ", %.1f/s", rate)
		if s.Total > s.Done {
			eta := time.Duration(float64(s.Total-s.Done) / rate * float64(time.Second))
			fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
		}
	}
	if s.Detail != "" {
		fmt.Fprintf(&b, ", %s", s.Detail)
	}
	return b.String()
}

// AddQuietFlag registers --quiet (-q) on fs: no progress on stderr. It is a
// flag only, like -o.
func AddQuietFlag(fs *pflag.FlagSet, quiet *bool) {
	fs.BoolVarP(quiet, "quiet", "q", false, "print no progress on stderr (the summary still goes to stdout)")
	process.FlagOnly(fs, "quiet")
}
