package recovery_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/admin/recovery"
	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// TestRecoveryAcrossShards: messages lost in rooms on every shard of three
// are recovered, each onto its partition's shard; an outage whose messages
// every shard already holds is recovered with nothing stored, read through
// the recovery consumer on each shard's stream, which is gone afterwards.
func TestRecoveryAcrossShards(t *testing.T) {
	sh := shardtest.Sharding()
	sim, api := shardtest.Webex(t)
	js := shardtest.Start(t)
	o := recovery.Options{Partitions: sh.Partitions, Shards: sh.Shards}

	// lose posts messages until every shard has lost some, and returns
	// the outage and how many were lost.
	lose := func(prefix string) (webhooks.Outage, int) {
		t.Helper()
		from := time.Now()
		n := len(shardtest.PostOnEveryShard(t, sim, prefix, "lost"))
		return webhooks.Outage{WebhookID: "hook-" + prefix, Resource: "messages", Event: "created", From: from,
			Until: time.Now().Add(time.Second), Cause: webhooks.CauseReactivated}, n
	}
	run := func(out webhooks.Outage) recovery.Result {
		t.Helper()
		var res []recovery.Result
		oo := o
		oo.Lookback = time.Second
		oo.OnFinish = func(r recovery.Result) { res = append(res, r) }
		rec, err := recovery.Open(shardtest.Ctx(t), js, api, oo)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Record(shardtest.Ctx(t), out); err != nil {
			t.Fatal(err)
		}
		if err := rec.Run(shardtest.Ctx(t)); err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 {
			t.Fatalf("%d recoveries finished, want 1", len(res))
		}
		return res[0]
	}

	out, lost := lose("a")
	res := run(out)
	msgs := shardtest.Msgs(t, js)
	total := uint64(0)
	for _, stream := range sh.Streams() {
		if msgs[stream] == 0 {
			t.Errorf("%s holds no recovered event", stream)
		}
		total += msgs[stream]
	}
	if res.Stored != lost || total != uint64(lost) {
		t.Errorf("recovered %d, streams hold %d; want the %d lost", res.Stored, total, lost)
	}

	// The messages of a second outage reached the streams after all (a
	// backfill stored them): the recovery finds each on its shard.
	out, lost = lose("b")
	// A second earlier: Webex lists rooms by their last activity, in
	// whole seconds.
	bsum, err := backfill.Run(shardtest.Ctx(t), js, api, backfill.Options{Since: out.From.Add(-2 * time.Second), Partitions: sh.Partitions, Shards: sh.Shards})
	if err != nil || bsum.Stored != lost {
		t.Fatalf("backfill of the second outage: %+v, %v; want its %d messages stored", bsum, err, lost)
	}
	// Read as the recovery reads, through its consumer on every shard
	// (a copy stored again would be dropped by the duplicate window and
	// counted as seen as well, so the session is asked first).
	sess, err := backfill.NewSession(shardtest.Ctx(t), js, api, backfill.SessionOptions{Since: out.From.Add(-time.Second),
		Partitions: sh.Partitions, Shards: sh.Shards, ConsumerName: events.RecoveryConsumer})
	if err != nil {
		t.Fatal(err)
	}
	rooms, err := sess.Rooms(shardtest.Ctx(t), nil, out.From.Add(-2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, room := range rooms {
		ms, err := sess.Messages(shardtest.Ctx(t), room, out.From.Add(-2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			it, err := sess.Store(shardtest.Ctx(t), room, m, true)
			if err != nil {
				t.Fatal(err)
			}
			if !sess.Own(m) && it.Seen {
				seen++
			}
		}
	}
	if seen < lost {
		t.Errorf("the recovery consumer's reads found %d of the %d stored messages", seen, lost)
	}
	if res := run(out); res.Stored != 0 || res.Seen != lost {
		t.Errorf("second outage: %+v; want all %d seen, none stored", res, lost)
	}
	for _, stream := range sh.Streams() {
		if _, err := js.Consumer(shardtest.Ctx(t), stream, events.RecoveryConsumer); err != jetstream.ErrConsumerNotFound {
			t.Errorf("recovery consumer on %s after the recovery: %v, want it removed", stream, err)
		}
	}
}
