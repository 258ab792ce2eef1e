package replay

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// DefaultProgressEvery is how often Options.Progress is called by default.
const DefaultProgressEvery = time.Second

// Options choose what a replay sends, to whom and how fast.
type Options struct {
	// Worker is the worker type the copies are for; required.
	Worker string
	// FromSeq starts the window at a stream sequence; when zero, Since
	// starts it at a time. With neither, the whole stream is replayed.
	FromSeq uint64
	Since   time.Time
	// Until ends the window (inclusive); the window also ends at the last
	// event stored when the run first began.
	Until time.Time
	// Resource and Event narrow the worker's events; empty means all of
	// them.
	Resource, Event string
	// RoomID keeps only the events of one room.
	RoomID string
	// Rate bounds the copies stored per second; zero means as fast as
	// JetStream takes them.
	Rate float64
	// DryRun selects and reports the events without storing anything.
	DryRun bool
	// Force makes the worker handle every copy, even an event its
	// idempotency marker says it handled.
	Force bool
	// RunID names the run; empty means a new one. Running a run again with
	// its id stores no second copy of an event within the duplicate window,
	// and reads the window, filters and Force the run was started with
	// (stored in events.ReplayRunsBucket): the ones given again are ignored.
	RunID string
	// OnEvent, when set, is called for every selected event, after its copy
	// was stored (or instead, in a dry run).
	OnEvent func(Item)
	// Progress, when set, is called every ProgressEvery while the replay
	// runs (not at the end: Run returns the final Progress).
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Validate reports the first option that cannot work. The error wraps
// ErrInvalidOptions.
func (o Options) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
	}
	switch {
	case !events.ValidToken(o.Worker):
		return bad("worker %q is not a worker type name", o.Worker)
	case o.Resource != "" && !events.ValidToken(o.Resource):
		return bad("resource %q", o.Resource)
	case o.Event != "" && !events.ValidToken(o.Event):
		return bad("event %q", o.Event)
	case o.Rate < 0:
		return bad("rate %g: want 0 (no limit) or more", o.Rate)
	case !o.Until.IsZero() && !o.Since.IsZero() && o.Until.Before(o.Since):
		return bad("until %s is before since %s", o.Until.Format(time.RFC3339), o.Since.Format(time.RFC3339))
	case strings.ContainsAny(o.RunID, " \t\r\n:"):
		return bad("run id %q: no spaces or colons", o.RunID)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.RunID == "" {
		o.RunID = NewRunID(time.Now())
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = DefaultProgressEvery
	}
	return o
}

// NewRunID returns a fresh run id: the start time and a random suffix, so
// runs sort by time and two started in the same second differ.
func NewRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}
