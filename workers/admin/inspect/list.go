package inspect

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
)

// DefaultLimit is how many events List returns by default.
const DefaultLimit = 50

// firstChunk is how many sequences List reads first, going back from the
// newest event; each further chunk is four times larger, so a narrow
// filter over a long stream takes a few reads, not one per event.
const firstChunk = 256

// maxChunk bounds the growth of the chunks (and keeps it from overflowing).
const maxChunk = 1 << 24

// Filter selects events for List.
type Filter struct {
	// Since and Until bound the time the events were stored; zero means
	// unbounded.
	Since, Until time.Time
	// Resource, Event and RoomID keep only matching events; empty keeps
	// all.
	Resource, Event, RoomID string
	// Bots keeps only these bots' events; empty keeps every bot's.
	Bots []string
	// Replays includes the replayed copies (webex.replay.>).
	Replays bool
	// Limit is how many events to return at most; 0 means DefaultLimit.
	Limit int
	// Sharding is how the events are split over streams; zero means one
	// stream. Every shard's stream is read.
	Sharding events.Sharding
}

func (f Filter) subjects() ([]string, error) {
	r, e := "*", "*"
	for _, tok := range []*string{&f.Resource, &f.Event} {
		if *tok != "" && !events.ValidToken(*tok) {
			return nil, fmt.Errorf("filter %q: %w", *tok, events.ErrUnsafeToken)
		}
	}
	if f.Resource != "" {
		r = f.Resource
	}
	if f.Event != "" {
		e = f.Event
	}
	for _, b := range f.Bots {
		if !events.ValidBot(b) {
			return nil, fmt.Errorf("bot %q: not a bot id", b)
		}
	}
	// A bot's subjects have its id as one more token: the default bot's
	// filter and the "any other bot" one never match each other's.
	bots := f.Bots
	if len(bots) == 0 {
		bots = []string{events.DefaultBot, "*"}
	}
	var subjects []string
	for _, b := range bots {
		token := ""
		if b != events.DefaultBot {
			token = b + "."
		}
		subjects = append(subjects, events.SubjectRoot+".events."+token+r+"."+e+".*")
		if f.Replays {
			subjects = append(subjects, events.SubjectRoot+".replay.*."+token+r+"."+e+".*")
		}
	}
	return subjects, nil
}

// List returns the newest events f selects, newest first, from every
// shard's stream: each is read on its own (sequences are per stream), and
// their newest are merged by the time they were stored.
func List(ctx context.Context, js jetstream.JetStream, f Filter) ([]Record, error) {
	subjects, err := f.subjects()
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	var out []Record
	for _, stream := range f.Sharding.Streams() {
		recs, err := listStream(ctx, js, stream, f, subjects)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	// Newest first; within one stream its order (two events may share a
	// time), across streams the stream's name.
	slices.SortStableFunc(out, func(a, b Record) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		if a.Stream == b.Stream {
			return cmp.Compare(b.Seq, a.Seq)
		}
		return strings.Compare(a.Stream, b.Stream)
	})
	return out[:min(len(out), f.Limit)], nil
}

// listStream returns the newest events f selects in one stream, newest
// first. It reads the stream backwards in growing chunks until it has
// Limit events, reaches Since, or reaches the oldest event.
func listStream(ctx context.Context, js jetstream.JetStream, stream string, f Filter, subjects []string) ([]Record, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s info: %w", stream, err)
	}
	first, hi := max(info.State.FirstSeq, 1), info.State.LastSeq
	var out []Record // newest first
	for size := uint64(firstChunk); hi >= first && hi > 0 && len(out) < f.Limit; size = min(size*4, maxChunk) {
		lo := first
		if hi-first+1 > size {
			lo = hi - size + 1
		}
		chunk, older, err := readChunk(ctx, js, stream, f, subjects, lo, hi)
		if err != nil {
			return nil, err
		}
		slices.Reverse(chunk)
		out = append(out, chunk...)
		if older || lo == first || storedBefore(ctx, s, lo, f.Since) {
			break
		}
		hi = lo - 1
	}
	return out[:min(len(out), f.Limit)], nil
}

// readChunk returns the events of sequences lo..hi that f selects, oldest
// first; older is true when the chunk reached back past f.Since.
func readChunk(ctx context.Context, js jetstream.JetStream, stream string, f Filter, subjects []string, lo, hi uint64) (out []Record, older bool, err error) {
	err = scan.Each(ctx, js, scan.Range{Stream: stream, Filters: subjects, FromSeq: lo, ToSeq: hi}, nil, func(m *scan.Msg) error {
		if !f.Since.IsZero() && m.Time.Before(f.Since) {
			older = true
			return nil
		}
		if !f.Until.IsZero() && m.Time.After(f.Until) {
			return scan.ErrStop
		}
		r := newRecord(stream, m.Seq, m.Time, m.Subject, m.Header, m.Data)
		if f.RoomID == "" || r.RoomID == f.RoomID {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read %s %d..%d: %w", stream, lo, hi, err)
	}
	return out, older, nil
}

// storedBefore reports whether the event at seq was stored before t: then
// every older chunk is outside the window too. A zero t, or an event that
// cannot be read (deleted), says no.
func storedBefore(ctx context.Context, s jetstream.Stream, seq uint64, t time.Time) bool {
	if t.IsZero() {
		return false
	}
	m, err := s.GetMsg(ctx, seq)
	return err == nil && m.Time.Before(t)
}
