package replay

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
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
	// Bots are the bots whose events are replayed, each through the
	// worker's consumer for that bot; empty means events.DefaultBot alone.
	// A run is for one set of bots: resumed, it keeps the set it was
	// started with.
	Bots []string
	// Sharding is how the events are split over streams; zero means one
	// stream. Every shard is read (shard after shard), and each copy is
	// stored on the shard of its subject.
	Sharding events.Sharding
	// Stream, when set, reads that shard's stream alone (one of
	// Sharding.Streams()).
	Stream string
	// FromSeq starts the window at a sequence of Stream (which must be set
	// with more than one shard: sequences are per stream); when zero, Since
	// starts it at a time. With neither, every stream is replayed whole.
	FromSeq uint64
	Since   time.Time
	// Until ends the window (inclusive); the window also ends, on each
	// stream, at the last event stored when the run first began.
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
	case slices.ContainsFunc(o.Bots, func(b string) bool { return !events.ValidBot(b) }):
		return bad("bots %q: each must be a bot id", o.Bots)
	case strings.ContainsAny(o.RunID, " \t\r\n:"):
		return bad("run id %q: no spaces or colons", o.RunID)
	}
	// A replay needs only the shard count: the partitions, when given,
	// are checked too.
	sh := o.sharding()
	switch {
	case sh.Partitions > 0 && sh.Validate() != nil:
		return bad("%v", sh.Validate())
	case sh.Shards < 1 || sh.Shards > events.MaxShards:
		return bad("events shards %d: want 1 to %d", sh.Shards, events.MaxShards)
	case o.Stream != "" && !slices.Contains(sh.Streams(), o.Stream):
		return bad("stream %q is not one of the events shards %s", o.Stream, strings.Join(sh.Streams(), ", "))
	case o.FromSeq != 0 && o.Stream == "" && sh.Shards > 1:
		return bad("from sequence %d: with %d shards a sequence names an event only within one stream; say which", o.FromSeq, sh.Shards)
	}
	return nil
}

// sharding is o.Sharding, one stream when unset.
func (o Options) sharding() events.Sharding {
	sh := o.Sharding
	if sh.Shards == 0 {
		sh.Shards = events.DefaultShards
	}
	return sh
}

// streams are the streams o reads, shard 0 first.
func (o Options) streams() []string {
	if o.Stream != "" {
		return []string{o.Stream}
	}
	return o.sharding().Streams()
}

// bots are the bots o replays, sorted, each once.
func (o Options) bots() []string {
	if len(o.Bots) == 0 {
		return []string{events.DefaultBot}
	}
	out := slices.Clone(o.Bots)
	slices.Sort(out)
	return slices.Compact(out)
}

func (o Options) withDefaults() Options {
	o.Bots = o.bots()
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
