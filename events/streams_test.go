package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

func TestProvisionIsIdempotentAndUpdates(t *testing.T) {
	_, js := localnats.StartTest(t).ConnectTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	opts := events.DefaultStreamOptions()
	for i := 0; i < 2; i++ {
		if err := events.Provision(ctx, js, opts); err != nil {
			t.Fatalf("provision #%d: %v", i+1, err)
		}
	}
	opts.EventsMaxAge = 2 * time.Hour
	if err := events.Provision(ctx, js, opts); err != nil {
		t.Fatalf("provision with a new max age: %v", err)
	}
	s, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	if cfg.MaxAge != 2*time.Hour || cfg.Discard != jetstream.DiscardNew || cfg.Duplicates != events.DefaultDuplicateWindow {
		t.Errorf("events stream config not applied: %+v", cfg)
	}
	for _, name := range []string{events.CallsStream, events.DLQStream} {
		if _, err := js.Stream(ctx, name); err != nil {
			t.Errorf("stream %s: %v", name, err)
		}
	}
	for _, b := range []string{events.ProcessedBucket, events.RateLimitBucket, events.WebhooksBucket, events.ReplayRunsBucket} {
		if _, err := js.KeyValue(ctx, b); err != nil {
			t.Errorf("bucket %s: %v", b, err)
		}
	}

	// Subjects are routed to the right streams.
	ack, err := js.Publish(ctx, events.EventSubject("messages", "created", 3), []byte("{}"))
	if err != nil || ack.Stream != events.EventsStream {
		t.Fatalf("event publish: %v %+v", err, ack)
	}
	ack, err = js.Publish(ctx, events.DLQSubject("echo"), []byte("{}"))
	if err != nil || ack.Stream != events.DLQStream {
		t.Fatalf("dlq publish: %v %+v", err, ack)
	}

	bad := opts
	bad.Replicas = 0
	if err := events.Provision(ctx, js, bad); err == nil {
		t.Error("replicas 0 accepted")
	}
}

func TestConsumerConfig(t *testing.T) {
	cfg, err := events.ConsumerConfig(events.ConsumerOptions{
		Worker: "echo",
		Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"webex.events.messages.created.*", "webex.replay.echo.*.*.*"}
	if len(cfg.FilterSubjects) != 2 || cfg.FilterSubjects[0] != want[0] || cfg.FilterSubjects[1] != want[1] {
		t.Errorf("filters = %v, want %v", cfg.FilterSubjects, want)
	}
	if cfg.Durable != "echo" || cfg.AckPolicy != jetstream.AckExplicitPolicy {
		t.Errorf("config = %+v", cfg)
	}
	if _, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "a.b", Events: []events.ResourceEvent{{Resource: "m", Event: "c"}}}); err == nil {
		t.Error("unsafe worker name accepted")
	}
	if _, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "echo"}); err == nil {
		t.Error("no events accepted")
	}
}
