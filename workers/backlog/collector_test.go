package backlog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/backlog"
)

func connect(t *testing.T, provision bool) jetstream.JetStream {
	t.Helper()
	srv := localnats.StartTest(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if provision {
		if err := events.Provision(context.Background(), js, events.DefaultStreamOptions()); err != nil {
			t.Fatal(err)
		}
	}
	return js
}

func publish(t *testing.T, js jetstream.JetStream, subject string) *jetstream.PubAck {
	t.Helper()
	ack, err := js.Publish(context.Background(), subject, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	return ack
}

func storedAt(t *testing.T, js jetstream.JetStream, stream string, seq uint64) time.Time {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	return m.Time
}

// TestBacklogOfAConsumer: pending and ack-pending are the consumer's, and
// the oldest age is measured from the first message after the ack floor
// that the consumer's filters select, skipping those they do not.
func TestBacklogOfAConsumer(t *testing.T) {
	ctx := context.Background()
	js := connect(t, true)
	cfg, err := events.ConsumerConfig(events.ConsumerOptions{
		Worker: "echo", Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}},
		AckWait: time.Minute, MaxDeliver: 5, MaxAckPending: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream, cfg)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, js, events.EventSubject("attachmentActions", "created", 0)) // not echo's: skipped
	first := publish(t, js, events.EventSubject("messages", "created", 3))
	publish(t, js, events.EventSubject("attachmentActions", "created", 1))
	second := publish(t, js, events.EventSubject("messages", "created", 5))
	publish(t, js, events.EventSubject("messages", "created", 7))
	publish(t, js, events.DLQSubject("echo"))
	publish(t, js, events.DLQSubject("echo"))
	publish(t, js, events.DLQSubject("cards"))

	var now time.Time
	src := backlog.SourceOf(workers.Config{Name: "echo"})
	c := backlog.NewCollector(js, src, backlog.Options{MaxAge: time.Nanosecond, Now: func() time.Time { return now }})
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	echo := map[string]string{"worker": "echo"}

	now = storedAt(t, js, events.EventsStream, first.Sequence).Add(42 * time.Second)
	awaitPending(t, reg, echo, 3)
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_oldest_age_seconds", echo); got != 42 {
		t.Errorf("oldest age = %v, want 42 (from the first messages/created, not the attachment action before it)", got)
	}
	if got := metricstest.Value(t, reg, "webexpipe_worker_dead_letters", echo); got != 2 {
		t.Errorf("dead letters = %v, want 2", got)
	}

	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []jetstream.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	if len(msgs) != 2 {
		t.Fatalf("fetched %d messages, want 2", len(msgs))
	}
	// The second is handled first: the first still holds the floor.
	if err := msgs[1].DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_pending", echo); got != 1 {
		t.Errorf("pending after a fetch of 2 = %v, want 1", got)
	}
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_ack_pending", echo); got != 1 {
		t.Errorf("ack pending = %v, want 1", got)
	}
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_oldest_age_seconds", echo); got != 43 {
		t.Errorf("oldest age with the first unacknowledged = %v, want 43", got)
	}

	if err := msgs[0].DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	now = storedAt(t, js, events.EventsStream, second.Sequence+1).Add(7 * time.Second)
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_oldest_age_seconds", echo); got != 7 {
		t.Errorf("oldest age once both are acknowledged = %v, want 7 (the third messages/created)", got)
	}

	rest, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range rest.Messages() {
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(time.Second)
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_oldest_age_seconds", echo); got != 0 {
		t.Errorf("oldest age with nothing left = %v, want 0", got)
	}
	if !metricstest.Exists(t, reg, "webexpipe_worker_backlog_pending", echo) {
		t.Error("pending missing when it is 0")
	}
}

// TestBacklogOfOrderedConsumers sums the partitions' consumers under the
// worker's name; a partition whose consumer does not exist counts as empty.
func TestBacklogOfOrderedConsumers(t *testing.T) {
	ctx := context.Background()
	js := connect(t, true)
	evs := []events.ResourceEvent{{Resource: "messages", Event: "created"}}
	for _, p := range []int{2, 9} {
		cfg, err := events.PartitionConsumerConfig(events.ConsumerOptions{Worker: "echo", Events: evs, AckWait: time.Minute, MaxDeliver: 5}, p, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream, cfg); err != nil {
			t.Fatal(err)
		}
	}
	publish(t, js, events.EventSubject("messages", "created", 2))
	publish(t, js, events.EventSubject("messages", "created", 9))
	publish(t, js, events.EventSubject("messages", "created", 9))
	publish(t, js, events.EventSubject("messages", "created", 4)) // no consumer yet

	src := backlog.SourceOf(workers.Config{Name: "echo", Ordered: true, Partitions: 16})
	if len(src.Consumers) != 16 || src.Consumers[9] != (backlog.Consumer{Stream: events.EventsStream, Name: "echo-p9"}) {
		t.Fatalf("consumers of ordered echo: %v", src.Consumers)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(backlog.NewCollector(js, src, backlog.Options{}))
	awaitPending(t, reg, map[string]string{"worker": "echo"}, 3)
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_read_errors_total", nil); got != 0 {
		t.Errorf("read errors = %v, want 0", got)
	}
}

// TestBacklogUnreadable leaves the series out and counts the failure
// instead of reporting an empty backlog.
func TestBacklogUnreadable(t *testing.T) {
	js := connect(t, false)
	reg := prometheus.NewRegistry()
	reg.MustRegister(backlog.NewCollector(js, backlog.SourceOf(workers.Config{Name: "cards"}), backlog.Options{MaxAge: time.Nanosecond}))
	cards := map[string]string{"worker": "cards"}
	for _, name := range []string{"webexpipe_worker_backlog_pending", "webexpipe_worker_backlog_oldest_age_seconds", "webexpipe_worker_dead_letters"} {
		if metricstest.Exists(t, reg, name, cards) {
			t.Errorf("%s reported without a stream to read", name)
		}
	}
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_read_errors_total", cards); got < 1 {
		t.Errorf("read errors = %v, want at least 1", got)
	}
}

// TestSourceOfTheRetryWorker reads its Input's stream.
func TestSourceOfTheRetryWorker(t *testing.T) {
	src := backlog.SourceOf(workers.Config{Name: events.RetryWorker, Input: &workers.Input{Stream: events.CallsStream, FilterSubjects: []string{events.CallsFilter}}})
	if len(src.Consumers) != 1 || src.Consumers[0] != (backlog.Consumer{Stream: events.CallsStream, Name: events.RetryWorker}) {
		t.Errorf("retry worker's source: %+v", src)
	}
}

// TestBacklogOverShards sums the shared consumers of every events shard
// under the worker's name, and the oldest age is the oldest over them.
func TestBacklogOverShards(t *testing.T) {
	ctx := context.Background()
	js := connect(t, false)
	o := events.DefaultStreamOptions()
	o.Sharding = events.Sharding{Shards: 3, Partitions: 16}
	if err := events.Provision(ctx, js, o); err != nil {
		t.Fatal(err)
	}
	wcfg := workers.Config{Name: "echo", Shards: 3, Partitions: 16}
	src := backlog.SourceOf(wcfg)
	if len(src.Consumers) != 3 || src.Consumers[2] != (backlog.Consumer{Stream: "WEBEX_EVENTS_2", Name: "echo"}) {
		t.Fatalf("consumers of echo over 3 shards: %v", src.Consumers)
	}
	cfg, err := events.ConsumerConfig(events.ConsumerOptions{
		Worker: "echo", Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}},
		AckWait: time.Minute, MaxDeliver: 5, MaxAckPending: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range src.Consumers {
		if _, err := js.CreateOrUpdateConsumer(ctx, c.Stream, cfg); err != nil {
			t.Fatal(err)
		}
	}
	// The oldest event is on shard 2 (partition 5), then one on each
	// shard.
	first := publish(t, js, events.EventSubject("messages", "created", 5))
	if first.Stream != "WEBEX_EVENTS_2" {
		t.Fatalf("partition 5 stored on %s, want WEBEX_EVENTS_2", first.Stream)
	}
	for _, p := range []int{0, 1, 2, 3} {
		publish(t, js, events.EventSubject("messages", "created", p))
	}
	now := storedAt(t, js, first.Stream, first.Sequence).Add(30 * time.Second)
	reg := prometheus.NewRegistry()
	reg.MustRegister(backlog.NewCollector(js, src, backlog.Options{MaxAge: time.Nanosecond, Now: func() time.Time { return now }}))
	echo := map[string]string{"worker": "echo"}
	awaitPending(t, reg, echo, 5)
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_oldest_age_seconds", echo); got != 30 {
		t.Errorf("oldest age = %v, want 30 (the event on shard 2)", got)
	}

	// Two events out on shard 0 (partitions 0 and 3): ack pending counts
	// them.
	cons, err := js.Consumer(ctx, events.EventsStream, "echo")
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for range batch.Messages() {
		got++
	}
	if got != 2 {
		t.Fatalf("fetched %d from shard 0, want 2", got)
	}
	now = now.Add(time.Second)
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_ack_pending", echo); got != 2 {
		t.Errorf("ack pending = %v, want 2", got)
	}
	if got := metricstest.Value(t, reg, "webexpipe_worker_backlog_pending", echo); got != 3 {
		t.Errorf("pending = %v, want 3", got)
	}

	// Ordered over shards: each partition's consumer on its shard.
	wcfg.Ordered = true
	ord := backlog.SourceOf(wcfg)
	if len(ord.Consumers) != 16 || ord.Consumers[5] != (backlog.Consumer{Stream: "WEBEX_EVENTS_2", Name: "echo-p5"}) {
		t.Errorf("consumers of ordered echo over 3 shards: %v", ord.Consumers)
	}
}

// TestBotsOfOneWorkerType: the collectors of one worker type's bots share
// a registry; each has its own backlog series, and the worker type's dead
// letters are exported, and read, by one of them only.
func TestBotsOfOneWorkerType(t *testing.T) {
	js := connect(t, true)
	publish(t, js, events.DLQSubject("echo"))
	reg := prometheus.NewRegistry()
	for _, bot := range []string{events.DefaultBot, "beta"} {
		src := backlog.SourceOf(workers.Config{Name: "echo", Bot: bot})
		src.SkipDeadLetters = bot != events.DefaultBot
		reg.MustRegister(backlog.NewCollector(js, src, backlog.Options{MaxAge: time.Nanosecond}))
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	series := map[string]int{}
	for _, f := range families {
		series[f.GetName()] = len(f.GetMetric())
	}
	if series["webexpipe_worker_dead_letters"] != 1 || series["webexpipe_worker_backlog_pending"] != 2 {
		t.Errorf("series %v: want one dead-letter count, a backlog per bot", series)
	}
	if got := metricstest.Value(t, reg, "webexpipe_worker_dead_letters", map[string]string{"worker": "echo"}); got != 1 {
		t.Errorf("dead letters = %v, want 1", got)
	}
	// Without the DLQ, only the collector that reads it fails.
	if err := js.DeleteStream(context.Background(), events.DLQStream); err != nil {
		t.Fatal(err)
	}
	errs := metricstest.ByLabel(t, reg, "webexpipe_worker_backlog_read_errors_total", "bot")
	if errs[events.DefaultBot] != 1 || errs["beta"] != 0 {
		t.Errorf("read errors by bot %v: want 1 for %s, which reads the dead letters, 0 for beta", errs, events.DefaultBot)
	}
}

// awaitPending polls webexpipe_worker_backlog_pending of labels until it
// is want. A consumer counts a message stored a moment ago as pending a
// moment later (the server updates it apart from the publish's ack), so a
// read right after publishing may be one short.
func awaitPending(t *testing.T, reg prometheus.Gatherer, labels map[string]string, want float64) {
	t.Helper()
	waitfor.Until(t, 10*time.Second, func() (bool, string) {
		got := metricstest.Value(t, reg, "webexpipe_worker_backlog_pending", labels)
		return got == want, fmt.Sprintf("pending = %v, want %v", got, want)
	})
}
