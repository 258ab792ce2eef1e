package replay_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/replay"
	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
)

// TestReplayAcrossShards replays to a worker whose events are split over
// three streams: every shard's events are selected, each copy is stored on
// the shard of its partition, a run resumed by its id stores nothing twice,
// a sequence needs its stream, and the ack floor consulted is the one of
// the worker's consumer on the event's own stream.
func TestReplayAcrossShards(t *testing.T) {
	js := shardtest.Start(t)
	sh := shardtest.Sharding()
	stored := shardtest.StoreEach(t, js)
	shardtest.WorkerConsumers(t, js, "echo")
	perShard := map[string]int{}
	for _, s := range stored {
		perShard[s.Stream]++
	}
	base := replay.Options{Worker: "echo", Sharding: sh}

	// The worker settled every event of the last shard; their markers are
	// gone (never written here), so only those are settled-without-marker.
	settledStream := events.ShardStream(2)
	shardtest.AckAll(t, js, settledStream, "echo")

	t.Run("dry run selects every shard", func(t *testing.T) {
		o := base
		o.DryRun = true
		var items []replay.Item
		o.OnEvent = func(it replay.Item) { items = append(items, it) }
		sum, err := replay.Run(shardtest.Ctx(t), js, o)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Selected != uint64(len(stored)) || len(items) != len(stored) {
			t.Fatalf("selected %d (%d items), want every one of the %d events", sum.Selected, len(items), len(stored))
		}
		seen := map[string]int{}
		for _, it := range items {
			seen[it.Stream]++
			_, _, p, _ := events.SubjectTokens(it.Subject)
			if it.Stream != sh.StreamOf(p) || it.CopyStream != sh.StreamOf(p) {
				t.Errorf("item %s:%d on partition %d: copy to %s; want both on %s", it.Stream, it.Seq, p, it.CopyStream, sh.StreamOf(p))
			}
			if settled := it.Stream == settledStream; it.Handled != settled || it.Skipped != settled {
				t.Errorf("item %s:%d handled %v skipped %v; want %v (settled by the consumer on %s)", it.Stream, it.Seq, it.Handled, it.Skipped, settled, settledStream)
			}
		}
		for stream, n := range perShard {
			if seen[stream] != n {
				t.Errorf("%s: %d selected, want its %d events", stream, seen[stream], n)
			}
		}
		if len(sum.Ends) != sh.Shards {
			t.Errorf("window ends %v, want one per shard", sum.Ends)
		}
	})

	t.Run("copies land on their shard, once", func(t *testing.T) {
		before := shardtest.Msgs(t, js)
		o := base
		o.Force = true // the settled shard too
		o.RunID = replay.NewRunID(time.Now())
		sum, err := replay.Run(shardtest.Ctx(t), js, o)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Stored != uint64(len(stored)) {
			t.Fatalf("stored %d copies, want %d", sum.Stored, len(stored))
		}
		after := shardtest.Msgs(t, js)
		for stream, n := range perShard {
			if got := after[stream] - before[stream]; got != uint64(n) {
				t.Errorf("%s gained %d copies, want %d", stream, got, n)
			}
		}
		again, err := replay.Run(shardtest.Ctx(t), js, o)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Resumed || again.Duplicates != uint64(len(stored)) || again.Stored != 0 {
			t.Errorf("run again: %+v; want every copy found as a duplicate", again)
		}
		if len(again.Ends) != sh.Shards || again.Ends[settledStream] != sum.Ends[settledStream] {
			t.Errorf("resumed window %v, want the first run's %v", again.Ends, sum.Ends)
		}
	})

	t.Run("a sequence names its stream", func(t *testing.T) {
		o := base
		o.DryRun = true
		o.FromSeq = 1
		if _, err := replay.Run(shardtest.Ctx(t), js, o); !errors.Is(err, replay.ErrInvalidOptions) {
			t.Fatalf("from a sequence without a stream: %v, want ErrInvalidOptions", err)
		}
		o.Stream = events.ShardStream(1)
		var items []replay.Item
		o.OnEvent = func(it replay.Item) { items = append(items, it) }
		if _, err := replay.Run(shardtest.Ctx(t), js, o); err != nil {
			t.Fatal(err)
		}
		if len(items) != perShard[o.Stream] {
			t.Errorf("%d selected from %s, want its %d events", len(items), o.Stream, perShard[o.Stream])
		}
		for _, it := range items {
			if it.Stream != o.Stream {
				t.Errorf("item from %s:%d, want %s only", it.Stream, it.Seq, o.Stream)
			}
		}
	})
}

// TestReplayRunFromBeforeShards resumes a run whose window was stored
// before the events had shards (no per-stream ends): it reads
// WEBEX_EVENTS alone, up to its stored end.
func TestReplayRunFromBeforeShards(t *testing.T) {
	js := shardtest.Start(t)
	stored := shardtest.StoreEach(t, js)
	shardtest.WorkerConsumers(t, js, "echo")
	kv, err := js.KeyValue(shardtest.Ctx(t), events.ReplayRunsBucket)
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for _, s := range stored {
		if s.Stream == events.EventsStream {
			last = max(last, s.Seq)
		}
	}
	old := `{"worker":"echo","to_seq":` + itoa(last-1) + `,"started":"2026-01-01T00:00:00Z"}`
	if _, err := kv.Create(shardtest.Ctx(t), "old-run", []byte(old)); err != nil {
		t.Fatal(err)
	}
	var items []replay.Item
	sum, err := replay.Run(shardtest.Ctx(t), js, replay.Options{Worker: "echo", Sharding: shardtest.Sharding(), RunID: "old-run", DryRun: true,
		OnEvent: func(it replay.Item) { items = append(items, it) }})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Resumed || len(items) == 0 {
		t.Fatalf("old run: %+v with %d items, want it resumed with events", sum, len(items))
	}
	for _, it := range items {
		if it.Stream != events.EventsStream || it.Seq > last-1 {
			t.Errorf("old run selected %s:%d, want WEBEX_EVENTS up to %d only", it.Stream, it.Seq, last-1)
		}
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
