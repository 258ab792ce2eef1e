package backfill_test

import (
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
)

// TestBackfillAcrossShards: users write in rooms that fall on every shard
// of three. A backfill stores each message's event on its partition's
// shard, and a second one finds them all, whatever their shard: nothing is
// stored twice.
func TestBackfillAcrossShards(t *testing.T) {
	sh := shardtest.Sharding()
	sim, api := shardtest.Webex(t)
	shardtest.PostOnEveryShard(t, sim, "user", "hi")
	js := shardtest.Start(t)
	o := backfill.Options{Since: time.Now().Add(-time.Hour), Partitions: sh.Partitions, Shards: sh.Shards}

	var items []backfill.Item
	first := o
	first.OnMessage = func(it backfill.Item) { items = append(items, it) }
	sum, err := backfill.Run(shardtest.Ctx(t), js, api, first)
	if err != nil {
		t.Fatal(err)
	}
	perStream := map[string]uint64{}
	for _, it := range items {
		_, _, p, _ := events.SubjectTokens(it.Subject)
		if !it.Stored || it.Stream != sh.StreamOf(p) {
			t.Errorf("message %s on partition %d: stored %v on %s, want stored on %s", it.MessageID, p, it.Stored, it.Stream, sh.StreamOf(p))
		}
		perStream[it.Stream]++
	}
	got := shardtest.Msgs(t, js)
	for _, stream := range sh.Streams() {
		if perStream[stream] == 0 || got[stream] != perStream[stream] {
			t.Errorf("%s holds %d events, want the %d backfilled there (and at least one)", stream, got[stream], perStream[stream])
		}
	}

	again, err := backfill.Run(shardtest.Ctx(t), js, api, o)
	if err != nil {
		t.Fatal(err)
	}
	if again.Seen != sum.Stored || again.Stored != 0 || again.Missing != 0 {
		t.Errorf("second backfill %+v; want all %d seen on their shards and nothing stored", again, sum.Stored)
	}

	// Told two shards, a backfill does not read the third, so it finds its
	// messages missing, and would store them where they do not belong:
	// the expected stream makes JetStream refuse.
	if _, err := backfill.Run(shardtest.Ctx(t), js, api, backfill.Options{Since: o.Since, Partitions: sh.Partitions, Shards: 2}); err == nil {
		t.Error("a backfill told two of three shards succeeded")
	}
}
