package deadletters_test

import (
	"testing"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
)

// TestDeadLettersAcrossShards dead-letters an event of every partition of
// three shards, each with the stream it was stored in recorded but one
// from before shards: a listing names each original's stream (WEBEX_EVENTS
// for that one, whatever its partition), and a redrive stores each copy on
// its partition's shard.
func TestDeadLettersAcrossShards(t *testing.T) {
	js := shardtest.Start(t)
	sh := shardtest.Sharding()
	stored := shardtest.StoreEach(t, js)
	const old = 1 // partition 1, on WEBEX_EVENTS_1 now
	for i, s := range stored {
		m := shardtest.DeadLetter(s)
		if i == old {
			m.Header.Del(events.HeaderOrigStream)
		}
		if _, err := js.PublishMsg(shardtest.Ctx(t), m); err != nil {
			t.Fatal(err)
		}
	}

	entries, err := deadletters.List(shardtest.Ctx(t), js, deadletters.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(stored) {
		t.Fatalf("%d dead letters, want %d", len(entries), len(stored))
	}
	for i, e := range entries {
		want := stored[i].Stream
		if i == old {
			want = events.EventsStream
		}
		if e.OrigStream != want {
			t.Errorf("dead letter of %s: origin %s, want %s", e.OrigSubject, e.OrigStream, want)
		}
	}

	before := shardtest.Msgs(t, js)
	for _, e := range entries {
		r, err := deadletters.Redrive(shardtest.Ctx(t), js, e, deadletters.RedriveOptions{Sharding: sh})
		if err != nil {
			t.Fatal(err)
		}
		_, _, p, _ := events.SubjectTokens(r.Subject)
		if r.Stream != sh.StreamOf(p) || !events.IsReplaySubject(r.Subject) {
			t.Errorf("redriven to %s on %s, want a replay subject on %s", r.Subject, r.Stream, sh.StreamOf(p))
		}
	}
	after := shardtest.Msgs(t, js)
	for _, stream := range sh.Streams() {
		want := uint64(0)
		for _, s := range stored {
			if s.Stream == stream {
				want++
			}
		}
		if got := after[stream] - before[stream]; got != want {
			t.Errorf("%s gained %d redriven copies, want %d", stream, got, want)
		}
	}

	// Told one stream, the redrive of a shard-1 event is refused rather
	// than stored where no one expects it.
	ack, err := js.PublishMsg(shardtest.Ctx(t), shardtest.DeadLetter(stored[1]))
	if err != nil {
		t.Fatal(err)
	}
	e, err := deadletters.Get(shardtest.Ctx(t), js, ack.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := deadletters.Redrive(shardtest.Ctx(t), js, e, deadletters.RedriveOptions{}); err == nil {
		t.Error("a redrive with one stream stored a shard-1 copy")
	}
}
