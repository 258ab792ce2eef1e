package inspect_test

import (
	"errors"
	"testing"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/inspect"
	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
)

// TestListAndGetAcrossShards stores an event on every partition of three
// shards: List finds each, on its partition's stream, newest first across
// the streams, and Get reads each by its stream and sequence.
func TestListAndGetAcrossShards(t *testing.T) {
	js := shardtest.Start(t)
	stored := shardtest.StoreEach(t, js)
	sh := shardtest.Sharding()

	recs, err := inspect.List(shardtest.Ctx(t), js, inspect.Filter{Sharding: sh, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(stored) {
		t.Fatalf("listed %d events, want all %d", len(recs), len(stored))
	}
	for i, r := range recs {
		// Stored one after the other, so newest first is the reverse.
		want := stored[len(stored)-1-i]
		if r.Stream != want.Stream || r.Seq != want.Seq || r.RoomID != want.RoomID {
			t.Errorf("record %d is %s:%d of %s, want %s:%d of %s", i, r.Stream, r.Seq, r.RoomID, want.Stream, want.Seq, want.RoomID)
		}
		if i > 0 && r.Time.After(recs[i-1].Time) {
			t.Errorf("record %d (%s) is newer than the one before it", i, r.Time)
		}
	}

	newest, err := inspect.List(shardtest.Ctx(t), js, inspect.Filter{Sharding: sh, Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(newest) != 4 || newest[0].Seq != recs[0].Seq || newest[3].Stream != recs[3].Stream || newest[3].Seq != recs[3].Seq {
		t.Errorf("limit 4: %+v, want the 4 newest of all shards", newest)
	}

	for _, s := range stored {
		ev, err := inspect.Get(shardtest.Ctx(t), js, s.Stream, s.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Stream != s.Stream || ev.Subject != s.Subject || ev.DataID != s.ID {
			t.Errorf("Get(%s, %d) = %s:%d %s %s, want %s %s", s.Stream, s.Seq, ev.Stream, ev.Seq, ev.Subject, ev.DataID, s.Subject, s.ID)
		}
	}
	if _, err := inspect.Get(shardtest.Ctx(t), js, events.ShardStream(1), 1000); !errors.Is(err, inspect.ErrNotFound) {
		t.Errorf("a sequence past the stream: %v, want ErrNotFound", err)
	}
}
