package app

import (
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
)

func TestParseStreamSeq(t *testing.T) {
	one := events.Sharding{Shards: 1, Partitions: 16}
	three := events.Sharding{Shards: 3, Partitions: 16}
	tests := []struct {
		name   string
		arg    string
		s      events.Sharding
		stream string
		seq    uint64
		bad    bool
	}{
		{name: "bare with one shard", arg: "42", s: one, stream: events.EventsStream, seq: 42},
		{name: "named with one shard", arg: "WEBEX_EVENTS:7", s: one, stream: events.EventsStream, seq: 7},
		{name: "named shard", arg: "WEBEX_EVENTS_2:9", s: three, stream: "WEBEX_EVENTS_2", seq: 9},
		{name: "bare with shards", arg: "42", s: three, bad: true},
		{name: "shard beyond the count", arg: "WEBEX_EVENTS_3:1", s: three, bad: true},
		{name: "another stream", arg: "WEBEX_DLQ:1", s: three, bad: true},
		{name: "zero", arg: "WEBEX_EVENTS:0", s: three, bad: true},
		{name: "not a number", arg: "WEBEX_EVENTS:x", s: three, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, seq, err := ParseStreamSeq(tt.arg, tt.s)
			if (err != nil) != tt.bad || stream != tt.stream || seq != tt.seq {
				t.Errorf("ParseStreamSeq(%q) = %q, %d, %v; want %q, %d, error %v", tt.arg, stream, seq, err, tt.stream, tt.seq, tt.bad)
			}
		})
	}
}

// TestCheckShards provisions three shards over 16 partitions: the same
// count passes, with or without the partitions; a lower or higher count
// fails with ErrShardMismatch or a missing stream.
func TestCheckShards(t *testing.T) {
	js := shardtest.Start(t)
	ctx := shardtest.Ctx(t)
	for _, s := range []events.Sharding{{Shards: 3, Partitions: 16}, {Shards: 3}} {
		if err := CheckShards(ctx, js, s); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	if err := CheckShards(ctx, js, events.Sharding{Shards: 2}); !errors.Is(err, events.ErrShardMismatch) {
		t.Errorf("two shards of three: %v, want ErrShardMismatch", err)
	}
	if err := CheckShards(ctx, js, events.Sharding{Shards: 4}); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("four shards of three: %v, want the missing stream", err)
	}
}
