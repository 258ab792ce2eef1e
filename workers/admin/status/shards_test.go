package status_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
	"github.com/webexpipe/webexpipe/workers/admin/status"
)

// TestCollectAcrossShards: with an event on every partition of three
// shards and the echo worker's consumer on each, the report lists every
// shard's stream and consumer, and totals them; a report for fewer shards
// than the deployment has says so.
func TestCollectAcrossShards(t *testing.T) {
	js := shardtest.Start(t)
	sh := shardtest.Sharding()
	stored := shardtest.StoreEach(t, js)
	shardtest.WorkerConsumers(t, js, "echo")

	r, err := status.Collect(shardtest.Ctx(t), js, status.Options{Sharding: sh})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %v", r.Errors)
	}
	var streams, consumerStreams []string
	for _, s := range r.Streams {
		streams = append(streams, s.Name)
	}
	for _, c := range r.Consumers {
		if c.Name == "echo" {
			consumerStreams = append(consumerStreams, c.Stream)
		}
	}
	for _, name := range sh.Streams() {
		if !slices.Contains(streams, name) || !slices.Contains(consumerStreams, name) {
			t.Errorf("%s: streams %v, echo's consumers on %v; want it in both", name, streams, consumerStreams)
		}
	}
	n := uint64(len(stored))
	if r.Events.Shards != sh.Shards || r.Events.Streams != sh.Shards || r.Events.Messages != n {
		t.Errorf("events totals %+v, want %d shards holding %d events", r.Events, sh.Shards, n)
	}
	if len(r.Workers) != 1 || r.Workers[0].Worker != "echo" || r.Workers[0].Consumers != sh.Shards || r.Workers[0].Pending != n {
		t.Errorf("worker totals %+v, want echo's %d consumers with %d pending", r.Workers, sh.Shards, n)
	}

	fewer, err := status.Collect(shardtest.Ctx(t), js, status.Options{Sharding: events.Sharding{Shards: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fewer.Errors) != 1 || !strings.Contains(fewer.Errors[0], events.ShardStream(2)) {
		t.Errorf("two of three shards: errors %v, want the third stream named", fewer.Errors)
	}
}
