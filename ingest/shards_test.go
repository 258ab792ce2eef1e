package ingest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// threeShards is the sharding of these tests: 16 partitions over three
// streams, so shard 0 has six partitions and the others five.
var threeShards = events.Sharding{Shards: 3, Partitions: events.DefaultPartitions}

// shardedStreams are the stream options provisioning s.
func shardedStreams(s events.Sharding) events.StreamOptions {
	o := events.DefaultStreamOptions()
	o.Sharding = s
	return o
}

// newShardedEnv is an ingest service with Shards and Partitions of s, in
// front of streams provisioned with s.
func newShardedEnv(t *testing.T, s events.Sharding, tweak func(*ingest.Config)) *testEnv {
	t.Helper()
	return newEnvStreams(t, localnats.StartTest(t), shardedStreams(s), func(c *ingest.Config) {
		c.Shards, c.Partitions = s.Shards, s.Partitions
		if tweak != nil {
			tweak(c)
		}
	})
}

// roomPerPartition returns a room id for each of n partitions: room[p]
// is stored on partition p.
func roomPerPartition(t *testing.T, n int) []string {
	t.Helper()
	rooms := make([]string, n)
	found := 0
	for i := 0; found < n; i++ {
		if i > 100*n {
			t.Fatalf("no room for every one of %d partitions", n)
		}
		room := fmt.Sprintf("room-%d", i)
		if p := events.Partition(room, n); rooms[p] == "" {
			rooms[p] = room
			found++
		}
	}
	return rooms
}

// shardContents lists "<partition>:<data id>" of every event stream holds,
// in stream order.
func (e *testEnv) shardContents(t *testing.T, stream string) []string {
	t.Helper()
	return e.eventLines(t, stream, func(a events.Address, _ nats.Header, env *events.Envelope) string {
		return fmt.Sprintf("%d:%s", a.Partition, env.Data.ID)
	})
}

// eventLines lists line of every event stream holds, in stream order.
func (e *testEnv) eventLines(t *testing.T, stream string, line func(events.Address, nats.Header, *events.Envelope) string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("%s message %d: %v", stream, seq, err)
		}
		a, ok := events.ParseSubject(m.Subject)
		if !ok {
			t.Fatalf("%s holds %s, not an event subject", stream, m.Subject)
		}
		env, err := events.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, line(a, m.Header, env))
	}
	return out
}

// wantShard is what shard k holds after one delivery per partition, each
// with the data id "<prefix><partition>", in partition order.
func wantShard(s events.Sharding, k int, prefix string) []string {
	var out []string
	for _, p := range s.ShardPartitions(k) {
		out = append(out, fmt.Sprintf("%d:%s%d", p, prefix, p))
	}
	return out
}

// TestShardedDeliveriesStoredInTheirShard: with three shards, a delivery
// on each of the 16 partitions is stored in the stream of its partition's
// shard and in no other.
func TestShardedDeliveriesStoredInTheirShard(t *testing.T) {
	e := newShardedEnv(t, threeShards, nil)
	rooms := roomPerPartition(t, threeShards.Partitions)
	for p, room := range rooms {
		body := webhook("messages", "created", fmt.Sprintf("m-%d", p), room)
		if r := e.post(t, body, signedHeaders(body)); r.status != 200 || r.str("status") != "stored" {
			t.Fatalf("partition %d: %d %v, want 200 stored", p, r.status, r.body)
		}
	}
	for k, stream := range threeShards.Streams() {
		if got, want := e.shardContents(t, stream), wantShard(threeShards, k, "m-"); !slices.Equal(got, want) {
			t.Errorf("shard %d (%s) holds %v, want %v", k, stream, got, want)
		}
	}
	if r := e.get(t, "/readyz"); r.status != 200 || r.str("status") != "ready" {
		t.Errorf("readyz %d %v, want 200 ready", r.status, r.body)
	}
}

// TestShardsDifferFromStreams: an ingest started with three shards in
// front of streams provisioned with one stores the events of shard 0's
// partitions; the others land in WEBEX_EVENTS, not in their shard, so
// JetStream refuses them and the answer is 503, nothing stored.
func TestShardsDifferFromStreams(t *testing.T) {
	e := newEnvStreams(t, localnats.StartTest(t), events.DefaultStreamOptions(), func(c *ingest.Config) {
		c.Shards = threeShards.Shards
		c.PublishTimeout = time.Second
	})
	rooms := roomPerPartition(t, threeShards.Partitions)
	for p, room := range rooms[:3] {
		body := webhook("messages", "created", fmt.Sprintf("m-%d", p), room)
		r := e.post(t, body, signedHeaders(body))
		if threeShards.Of(p) == 0 {
			if r.status != 200 || r.str("status") != "stored" {
				t.Errorf("partition %d (shard 0): %d %v, want 200 stored", p, r.status, r.body)
			}
			continue
		}
		assertNotStored(t, r)
	}
	if n := e.stored(t); n != 1 {
		t.Errorf("%s holds %d events, want only partition 0's", events.EventsStream, n)
	}
}

// TestReadyzNamesMissingShard: readiness needs every shard's stream, and a
// delivery for a missing shard gets 503 while the others are stored.
func TestReadyzNamesMissingShard(t *testing.T) {
	e := newShardedEnv(t, threeShards, func(c *ingest.Config) { c.PublishTimeout = time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	missing := events.ShardStream(2)
	if err := e.js.DeleteStream(ctx, missing); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Second)
	r := e.get(t, "/readyz")
	if r.status != 503 || r.str("error") != "events shard 2: stream "+missing+" not found" {
		t.Errorf("readyz %d %v, want 503 naming shard 2", r.status, r.body)
	}

	rooms := roomPerPartition(t, threeShards.Partitions)
	for p, room := range rooms[:3] {
		body := webhook("messages", "created", fmt.Sprintf("m-%d", p), room)
		r := e.post(t, body, signedHeaders(body))
		if threeShards.Of(p) == 2 {
			assertNotStored(t, r)
		} else if r.status != 200 {
			t.Errorf("partition %d (shard %d): %d %v, want 200", p, threeShards.Of(p), r.status, r.body)
		}
	}

	localnats.ProvisionTest(t, e.js, shardedStreams(threeShards))
	e.clock.Advance(2 * time.Second)
	if r := e.get(t, "/readyz"); r.status != 200 {
		t.Errorf("readyz %d %v once the shard is back, want 200", r.status, r.body)
	}
}

// TestSpoolForwardsIntoShards: while one shard's stream is missing, its
// deliveries are spooled and those behind them join the spool; once the
// stream is back the forwarder stores each record in its own shard.
func TestSpoolForwardsIntoShards(t *testing.T) {
	e := newShardedEnv(t, threeShards, func(c *ingest.Config) {
		c.PublishTimeout = 300 * time.Millisecond
		c.SpoolDir = t.TempDir()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.js.DeleteStream(ctx, events.ShardStream(1)); err != nil {
		t.Fatal(err)
	}
	rooms := roomPerPartition(t, threeShards.Partitions)
	var statuses []string
	for p, room := range rooms {
		body := webhook("messages", "created", fmt.Sprintf("s-%d", p), room)
		r := e.post(t, body, signedHeaders(body))
		if r.status != 200 {
			t.Fatalf("partition %d: %d %v, want 200", p, r.status, r.body)
		}
		statuses = append(statuses, r.str("status"))
	}
	// Partition 0 is stored; partition 1's shard is missing, so it and
	// every delivery after it wait in the spool, in order.
	if statuses[0] != "stored" || slices.ContainsFunc(statuses[1:], func(s string) bool { return s != "spooled" }) {
		t.Fatalf("answers %v, want stored then spooled", statuses)
	}

	forwarding(t, e.svc)
	localnats.ProvisionTest(t, e.js, shardedStreams(threeShards))
	waitfor.True(t, 15*time.Second, "the spool drained into the shards", func() bool {
		e.clock.Advance(2 * time.Second)
		r := e.get(t, "/readyz")
		spool, _ := r.body["spool"].(map[string]any)
		return r.str("status") == "ready" && spool["records"] == float64(0)
	})
	for k, stream := range threeShards.Streams() {
		if got, want := e.shardContents(t, stream), wantShard(threeShards, k, "s-"); !slices.Equal(got, want) {
			t.Errorf("shard %d (%s) holds %v, want %v", k, stream, got, want)
		}
	}
	if strings.Contains(e.logs.String(), "set aside") {
		t.Error("a record was set aside")
	}
}
