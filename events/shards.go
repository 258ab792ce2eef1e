package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// Sharding says how stored events are split over streams. Every event is
// stored on one partition (Partition of its room), and every partition
// belongs to one shard: shard = partition mod Shards. Each shard is a
// stream of its own with a Raft leader of its own, so a cluster spreads the
// work of storing and delivering events over its servers instead of
// funnelling it through one leader.
//
// Shard 0 is always the stream WEBEX_EVENTS; shard k > 0 is
// WEBEX_EVENTS_<k>. With one shard (the default) WEBEX_EVENTS holds every
// event, as it did before shards existed, and raising the count later
// narrows WEBEX_EVENTS to its share: events already stored stay where they
// are, still readable by replay and the other tools, which read every
// shard.
//
// Every process that stores or reads events must use the same Sharding;
// CheckShards tells a process started with another count from the streams
// themselves.
type Sharding struct {
	// Shards is the number of event streams, at least 1 and at most
	// Partitions.
	Shards int
	// Partitions is the number of partitions ingest spreads rooms over
	// (DefaultPartitions unless the deployment changed it).
	Partitions int
}

// DefaultShards keeps every event in WEBEX_EVENTS.
const DefaultShards = 1

// MaxShards bounds the shard count: every shard is a stream, and every
// worker type has a consumer on each.
const MaxShards = 64

// DefaultSharding is one stream over DefaultPartitions partitions.
func DefaultSharding() Sharding {
	return Sharding{Shards: DefaultShards, Partitions: DefaultPartitions}
}

// Validate reports a sharding that cannot work.
func (s Sharding) Validate() error {
	switch {
	case s.Partitions < 1:
		return fmt.Errorf("partitions %d: want at least 1", s.Partitions)
	case s.Shards < 1 || s.Shards > MaxShards:
		return fmt.Errorf("events shards %d: want 1 to %d", s.Shards, MaxShards)
	case s.Shards > s.Partitions:
		return fmt.Errorf("events shards %d: want at most the partitions (%d); a shard without a partition would stay empty", s.Shards, s.Partitions)
	}
	return nil
}

// ShardStream names the stream of shard k.
func ShardStream(k int) string {
	if k == 0 {
		return EventsStream
	}
	return EventsStream + "_" + strconv.Itoa(k)
}

// Streams names every shard's stream, shard 0 first.
func (s Sharding) Streams() []string {
	out := make([]string, max(s.Shards, 1))
	for k := range out {
		out[k] = ShardStream(k)
	}
	return out
}

// Of is the shard of a partition.
func (s Sharding) Of(partition int) int {
	if s.Shards <= 1 || partition < 0 {
		return 0
	}
	return partition % s.Shards
}

// StreamOf names the stream that stores the events of a partition.
func (s Sharding) StreamOf(partition int) string { return ShardStream(s.Of(partition)) }

// StreamOfSubject names the stream that stores an event or replay subject,
// and false for any other subject.
func (s Sharding) StreamOfSubject(subject string) (string, bool) {
	_, _, p, ok := SubjectTokens(subject)
	if !ok {
		return "", false
	}
	return s.StreamOf(p), true
}

// ShardPartitions lists the partitions of shard k in ascending order.
func (s Sharding) ShardPartitions(k int) []int {
	if s.Shards <= 1 {
		out := make([]int, s.Partitions)
		for p := range out {
			out[p] = p
		}
		return out
	}
	var out []int
	for p := k; p < s.Partitions; p += s.Shards {
		out = append(out, p)
	}
	return out
}

// ShardSubjects are the subjects shard k's stream captures. One shard
// takes every event and replay subject, whatever the partition; with more,
// each shard names its partitions, four subjects each (the stored event and
// the replayed copy, each without and with a bot token). An event published on a partition no shard names
// (ingest configured with more partitions than the streams) is refused by
// JetStream, so ingest answers 503 rather than lose it.
func (s Sharding) ShardSubjects(k int) []string {
	if s.Shards <= 1 {
		return []string{eventsPrefix + ">", replayPrefix + ">"}
	}
	ps := s.ShardPartitions(k)
	out := make([]string, 0, 4*len(ps))
	for _, p := range ps {
		out = append(out, eventsPrefix+"*.*."+strconv.Itoa(p))
	}
	for _, p := range ps {
		out = append(out, replayPrefix+"*.*.*."+strconv.Itoa(p))
	}
	// The events of bots other than the default bot, and their replayed
	// copies, have one token more.
	for _, p := range ps {
		out = append(out, eventsPrefix+"*.*.*."+strconv.Itoa(p))
	}
	for _, p := range ps {
		out = append(out, replayPrefix+"*.*.*.*."+strconv.Itoa(p))
	}
	return out
}

// ErrShardMismatch is wrapped by CheckShards when the streams on the
// server were provisioned with another sharding than the caller's.
var ErrShardMismatch = errors.New("event streams do not match the configured shards")

// CheckShards compares the event streams on the server with s: each
// shard's stream must exist and capture exactly the subjects s gives it,
// and no stream for a shard beyond s.Shards may exist. A process started
// with EVENTS_SHARDS or PARTITIONS different from the deployment's would
// otherwise store events where no worker reads them, or read only part of
// them. It needs the stream info of every shard and of the shard past the
// last (the NATS users of a deployment may ask for both).
//
// With Partitions 0 (a tool that does not take PARTITIONS) only the shard
// count is checked: every shard's stream exists, and none beyond.
func CheckShards(ctx context.Context, js jetstream.JetStream, s Sharding) error {
	countOnly := s.Partitions == 0
	if countOnly {
		if s.Shards < 1 || s.Shards > MaxShards {
			return fmt.Errorf("events shards %d: want 1 to %d", s.Shards, MaxShards)
		}
	} else if err := s.Validate(); err != nil {
		return err
	}
	for k := 0; k < s.Shards; k++ {
		st, err := js.Stream(ctx, ShardStream(k))
		if err != nil {
			return fmt.Errorf("events shard %d (stream %s): %w", k, ShardStream(k), err)
		}
		if countOnly {
			continue
		}
		got := slices.Clone(st.CachedInfo().Config.Subjects)
		want := s.ShardSubjects(k)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("%w: stream %s captures %v, but EVENTS_SHARDS=%d with PARTITIONS=%d gives it %v; use the same values as the process that provisions the streams",
				ErrShardMismatch, ShardStream(k), got, s.Shards, s.Partitions, want)
		}
	}
	if _, err := js.Stream(ctx, ShardStream(s.Shards)); err == nil {
		return fmt.Errorf("%w: stream %s exists, so the deployment has more than EVENTS_SHARDS=%d shards", ErrShardMismatch, ShardStream(s.Shards), s.Shards)
	} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("events shard %d (stream %s): %w", s.Shards, ShardStream(s.Shards), err)
	}
	return nil
}
