package events_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

func TestShardingMapsEveryPartitionToOneShard(t *testing.T) {
	s := events.Sharding{Shards: 3, Partitions: 16}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for k := 0; k < s.Shards; k++ {
		for _, p := range s.ShardPartitions(k) {
			if s.Of(p) != k {
				t.Errorf("partition %d listed in shard %d but Of says %d", p, k, s.Of(p))
			}
			seen[p]++
		}
	}
	for p := 0; p < s.Partitions; p++ {
		if seen[p] != 1 {
			t.Errorf("partition %d is in %d shards, want 1", p, seen[p])
		}
	}
	if got := s.Streams(); strings.Join(got, ",") != "WEBEX_EVENTS,WEBEX_EVENTS_1,WEBEX_EVENTS_2" {
		t.Errorf("streams %v", got)
	}
	if st, ok := s.StreamOfSubject(events.ReplaySubject("echo", "messages", "created", 5)); !ok || st != "WEBEX_EVENTS_2" {
		t.Errorf("replay subject on partition 5: stream %q %v, want WEBEX_EVENTS_2", st, ok)
	}
	for _, bad := range []events.Sharding{{Shards: 0, Partitions: 16}, {Shards: 17, Partitions: 16}, {Shards: 1, Partitions: 0}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestProvisionShards(t *testing.T) {
	_, js := localnats.StartTest(t).ConnectTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// A deployment that starts with one stream and stores an event on
	// partition 1.
	opts := events.DefaultStreamOptions()
	opts.Storage = jetstream.MemoryStorage
	if err := events.Provision(ctx, js, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, events.EventSubject("messages", "created", 1), []byte("{}")); err != nil {
		t.Fatal(err)
	}

	// Raised to four shards: shard 0 narrows first, the new shards take the
	// rest, and the event stored before stays in WEBEX_EVENTS.
	opts.Sharding = events.Sharding{Shards: 4, Partitions: 16}
	opts.EventsCompression = true
	if err := events.Provision(ctx, js, opts); err != nil {
		t.Fatalf("raise to 4 shards: %v", err)
	}
	if err := events.CheckShards(ctx, js, opts.Sharding); err != nil {
		t.Fatalf("check after provisioning: %v", err)
	}
	for p := 0; p < 16; p++ {
		ack, err := js.Publish(ctx, events.EventSubject("messages", "created", p), []byte("{}"))
		if err != nil {
			t.Fatalf("partition %d: %v", p, err)
		}
		if want := opts.Sharding.StreamOf(p); ack.Stream != want {
			t.Errorf("partition %d stored in %s, want %s", p, ack.Stream, want)
		}
		ack, err = js.Publish(ctx, events.ReplaySubject("echo", "messages", "created", p), []byte("{}"))
		if err != nil || ack.Stream != opts.Sharding.StreamOf(p) {
			t.Errorf("replay copy on partition %d: %v %+v", p, err, ack)
		}
	}
	s0, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s0.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 1 from before, and partitions 0, 4, 8 and 12 twice each.
	if info.State.Msgs != 9 {
		t.Errorf("WEBEX_EVENTS holds %d messages, want 9 (the old event and shard 0's)", info.State.Msgs)
	}
	if info.Config.Compression != jetstream.S2Compression {
		t.Errorf("compression %v, want s2", info.Config.Compression)
	}
	// Ingest set to more partitions than the streams: refused, not lost.
	if _, err := js.Publish(ctx, events.EventSubject("messages", "created", 16), []byte("{}")); err == nil {
		t.Error("an event on a partition no shard captures was stored")
	}

	// Processes with another shard or partition count are told at start.
	for _, other := range []events.Sharding{{Shards: 1, Partitions: 16}, {Shards: 2, Partitions: 16}, {Shards: 3, Partitions: 16}, {Shards: 4, Partitions: 8}} {
		if err := events.CheckShards(ctx, js, other); !errors.Is(err, events.ErrShardMismatch) {
			t.Errorf("check with %+v: %v, want a mismatch", other, err)
		}
	}

	// Lowering the count while the extra shards exist is refused with a
	// reason.
	opts.Sharding = events.Sharding{Shards: 2, Partitions: 16}
	err = events.Provision(ctx, js, opts)
	if err == nil || !strings.Contains(err.Error(), "EVENTS_SHARDS") {
		t.Fatalf("lower to 2 shards: %v, want an error naming EVENTS_SHARDS", err)
	}

	// Raised to a count that is not a multiple (4 to 6): partitions move
	// between existing shards, in two steps.
	opts.Sharding = events.Sharding{Shards: 6, Partitions: 16}
	if err := events.Provision(ctx, js, opts); err != nil {
		t.Fatalf("raise from 4 to 6 shards: %v", err)
	}
	if err := events.CheckShards(ctx, js, opts.Sharding); err != nil {
		t.Fatalf("check after raising to 6: %v", err)
	}
	for p := 0; p < 16; p++ {
		ack, err := js.Publish(ctx, events.EventSubject("messages", "created", p), []byte("{}"))
		if err != nil || ack.Stream != opts.Sharding.StreamOf(p) {
			t.Errorf("partition %d after raising to 6: %v %+v, want %s", p, err, ack, opts.Sharding.StreamOf(p))
		}
	}
}
