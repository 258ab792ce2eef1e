package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// window is what a run selects, stored under its id in
// events.ReplayRunsBucket when it starts. A run resumed with its id reads
// this window, not one recomputed from the resume's options: "up to the
// last event stored" must mean the last one when the run first started, or
// a forced resume would answer again the messages that arrived since.
type window struct {
	Worker string `json:"worker"`
	// Bots are the bots the run replays; absent in a run stored before
	// there were bots, which replays the default bot's events.
	Bots     []string  `json:"bots,omitempty"`
	Resource string    `json:"resource,omitempty"`
	Event    string    `json:"event,omitempty"`
	RoomID   string    `json:"room_id,omitempty"`
	Stream   string    `json:"stream,omitempty"`
	FromSeq  uint64    `json:"from_seq,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	Until    time.Time `json:"until,omitzero"`
	// Ends holds each stream's last sequence when the run started, by
	// stream name: the run reads these streams, each up to its end (zero:
	// the stream was empty, nothing to read there).
	Ends map[string]uint64 `json:"ends,omitempty"`
	// ToSeq is WEBEX_EVENTS's end. A run stored before the events had
	// shards has no Ends: it reads WEBEX_EVENTS alone, up to ToSeq, as it
	// did when it started.
	ToSeq   uint64    `json:"to_seq"`
	Force   bool      `json:"force,omitempty"`
	Started time.Time `json:"started"`
}

func windowOf(o Options, ends map[string]uint64, now time.Time) window {
	return window{Worker: o.Worker, Bots: o.Bots, Resource: o.Resource, Event: o.Event, RoomID: o.RoomID, Stream: o.Stream,
		FromSeq: o.FromSeq, Since: o.Since, Until: o.Until, Ends: ends, ToSeq: ends[events.EventsStream], Force: o.Force, Started: now.UTC()}
}

// apply puts the stored window in place of o's.
func (w window) apply(o Options) Options {
	o.Resource, o.Event, o.RoomID, o.Stream = w.Resource, w.Event, w.RoomID, w.Stream
	o.FromSeq, o.Since, o.Until, o.Force = w.FromSeq, w.Since, w.Until, w.Force
	o.Bots = []string{events.DefaultBot}
	if len(w.Bots) > 0 {
		o.Bots = w.Bots
	}
	if w.Ends == nil {
		o.Stream = events.EventsStream // a run from before the shards
	}
	return o
}

// ends is each stream's end, WEBEX_EVENTS's alone for a window stored
// before the shards.
func (w window) ends() map[string]uint64 {
	if w.Ends == nil {
		return map[string]uint64{events.EventsStream: w.ToSeq}
	}
	return w.Ends
}

// runs is the bucket of run windows.
type runs struct{ kv jetstream.KeyValue }

// openRuns opens events.ReplayRunsBucket. When the deployment was
// provisioned before the bucket existed, it creates it like the events
// stream (replicas, storage, max age) if create is set, and otherwise
// returns nil: a dry run stores nothing, not even the bucket.
func openRuns(ctx context.Context, js jetstream.JetStream, create bool) (*runs, error) {
	kv, err := js.KeyValue(ctx, events.ReplayRunsBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) && !create {
		return nil, nil
	}
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		var s jetstream.Stream
		if s, err = js.Stream(ctx, events.EventsStream); err != nil {
			return nil, fmt.Errorf("open %s: %w", events.EventsStream, err)
		}
		cfg := s.CachedInfo().Config
		o := events.StreamOptions{Replicas: cfg.Replicas, Storage: cfg.Storage, EventsMaxAge: cfg.MaxAge}
		kv, err = js.CreateOrUpdateKeyValue(ctx, events.ReplayRunsBucketConfig(o))
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", events.ReplayRunsBucket, err)
	}
	return &runs{kv: kv}, nil
}

// load returns the window stored for run, or ok false when the run is new.
func (r *runs) load(ctx context.Context, run string) (w window, ok bool, err error) {
	e, err := r.kv.Get(ctx, run)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return window{}, false, nil
	}
	if err != nil {
		return window{}, false, fmt.Errorf("read the window of run %s: %w", run, err)
	}
	if err := json.Unmarshal(e.Value(), &w); err != nil {
		return window{}, false, fmt.Errorf("read the window of run %s: %w", run, err)
	}
	return w, true, nil
}

// create stores the window of a new run. When another process created the
// same run first, that window is returned instead.
func (r *runs) create(ctx context.Context, run string, w window) (stored window, err error) {
	val, err := json.Marshal(w)
	if err != nil {
		return window{}, fmt.Errorf("encode the window of run %s: %w", run, err)
	}
	if _, err := r.kv.Create(ctx, run, val); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			if other, ok, lerr := r.load(ctx, run); lerr == nil && ok {
				return other, nil
			}
		}
		return window{}, fmt.Errorf("store the window of run %s: %w", run, err)
	}
	return w, nil
}

// lastSeqs are the last sequences of streams now, by name.
func lastSeqs(ctx context.Context, js jetstream.JetStream, streams []string) (map[string]uint64, error) {
	out := make(map[string]uint64, len(streams))
	for _, name := range streams {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s info: %w", name, err)
		}
		out[name] = info.State.LastSeq
	}
	return out, nil
}
