package output_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
)

// clock is a fake clock the test moves.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)} }
func step(done, total uint64) output.Step {
	return output.Step{What: "replay r1", Done: done, Total: total, Unit: "events", Detail: "3 selected"}
}

func TestProgressOnATerminal(t *testing.T) {
	var w bytes.Buffer // stands in for a terminal: Terminal is set, not detected
	c := newClock()
	p := output.NewProgress(&w, output.ProgressOptions{Terminal: true, Now: c.now})

	p.Update(step(0, 100)) // the first step is drawn at once
	c.advance(50 * time.Millisecond)
	p.Update(step(5, 100)) // too soon: dropped
	c.advance(950 * time.Millisecond)
	p.Update(step(25, 100))
	out := w.String()

	if strings.Contains(out, "\n") {
		t.Errorf("a terminal line must be redrawn in place, not followed by a newline: %q", out)
	}
	draws := strings.Split(out, "\r\x1b[K")
	if draws[0] != "" || len(draws) != 3 {
		t.Fatalf("want two draws, each starting with a carriage return and a clear: %q", out)
	}
	if want := "replay r1: 0/100 events (0%), 3 selected"; draws[1] != want {
		t.Errorf("first draw %q, want %q", draws[1], want)
	}
	// 25 events in 1s: 25/s, 75 left: 3s.
	if want := "replay r1: 25/100 events (25%), 25.0/s, ETA 3s, 3 selected"; draws[2] != want {
		t.Errorf("second draw %q, want %q", draws[2], want)
	}

	w.Reset()
	p.Done()
	if w.String() != "\r\x1b[K" {
		t.Errorf("Done wrote %q, want the line cleared", w.String())
	}
	w.Reset()
	p.Done()
	if w.Len() != 0 {
		t.Errorf("a second Done wrote %q", w.String())
	}
}

func TestProgressLineFitsTheTerminal(t *testing.T) {
	var w bytes.Buffer
	p := output.NewProgress(&w, output.ProgressOptions{Terminal: true, Width: 30})
	p.Update(output.Step{What: "backfill since 2026-05-04T09:00:00Z", Done: 1, Total: 9, Unit: "rooms"})
	line := strings.TrimPrefix(w.String(), "\r\x1b[K")
	if n := len([]rune(line)); n != 30 || !strings.HasSuffix(line, "…") {
		t.Errorf("line of %d runes %q, want 30 ending in …", n, line)
	}
}

func TestProgressInALog(t *testing.T) {
	var w bytes.Buffer
	c := newClock()
	p := output.NewProgress(&w, output.ProgressOptions{Now: c.now})
	for i := range uint64(12) {
		p.Update(output.Step{What: "dlq redrive", Done: i, Unit: "dead letters"})
		c.advance(time.Second)
	}
	p.Done()
	out := w.String()
	if strings.ContainsAny(out, "\r\x1b") {
		t.Errorf("carriage return or escape in a log: %q", out)
	}
	// At 0s, 5s and 10s: the first at once, then every DefaultLogEvery.
	want := "2026-05-04T09:00:00Z dlq redrive: 0 dead letters\n" +
		"2026-05-04T09:00:05Z dlq redrive: 5 dead letters, 1.0/s\n" +
		"2026-05-04T09:00:10Z dlq redrive: 10 dead letters, 1.0/s\n"
	if out != want {
		t.Errorf("log lines:\n%s\nwant:\n%s", out, want)
	}
}

func TestProgressQuiet(t *testing.T) {
	for _, terminal := range []bool{true, false} {
		var w bytes.Buffer
		p := output.NewProgress(&w, output.ProgressOptions{Terminal: terminal, Quiet: true})
		p.Update(step(1, 2))
		p.Done()
		if w.Len() != 0 {
			t.Errorf("quiet, terminal %v: wrote %q", terminal, w.String())
		}
	}
}
