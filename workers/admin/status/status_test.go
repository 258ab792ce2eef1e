package status_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/status"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestCollect(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	ctx := testCtx(t)
	cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "echo", Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream, cfg); err != nil {
		t.Fatal(err)
	}
	publish := func(subject string) {
		if _, err := js.Publish(ctx, subject, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		publish(events.EventSubject("messages", "created", 1))
	}
	publish(events.DLQSubject("echo"))
	publish(events.DLQSubject("echo"))
	publish(events.DLQSubject(events.RetryWorker))
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	rl, err := js.KeyValue(ctx, events.RateLimitBucket)
	if err != nil {
		t.Fatal(err)
	}
	for key, until := range map[string]time.Time{"pause.tok-a": now.Add(30 * time.Second), "pause.tok-b": now.Add(-time.Minute)} {
		b, _ := json.Marshal(map[string]any{"until": until, "status": 429, "by": "echo", "at": now})
		if _, err := rl.Put(ctx, key, b); err != nil {
			t.Fatal(err)
		}
	}
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "status-secret-never-shown"
	if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: "https://bot.example.com/w",
		Resource: "messages", Event: "created", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	m, err := webhooks.Open(ctx, client, js, webhooks.Options{})
	if err != nil {
		t.Fatal(err)
	}

	r, err := status.Collect(ctx, js, status.Options{Webhooks: m, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("streams", func(t *testing.T) {
		if len(r.Streams) != 3 || r.Streams[0].Name != events.EventsStream || r.Streams[0].Messages != 3 || r.Streams[0].LastTime.IsZero() {
			t.Errorf("streams %+v", r.Streams)
		}
		if len(r.Buckets) != 3 {
			t.Errorf("buckets %+v", r.Buckets)
		}
	})
	t.Run("consumers", func(t *testing.T) {
		if len(r.Consumers) != 1 || r.Consumers[0].Name != "echo" || r.Consumers[0].Pending != 3 {
			t.Errorf("consumers %+v", r.Consumers)
		}
	})
	t.Run("dead letters", func(t *testing.T) {
		if len(r.DeadLetters) != 2 || r.DeadLetters[0] != (status.DeadLetters{Worker: "echo", Count: 2}) || r.DeadLetters[1].Count != 1 {
			t.Errorf("dead letters %+v", r.DeadLetters)
		}
	})
	t.Run("pauses", func(t *testing.T) {
		if len(r.Pauses) != 2 || !r.Pauses[0].Active || r.Pauses[1].Active || r.Pauses[0].Status != 429 {
			t.Errorf("pauses %+v", r.Pauses)
		}
	})
	t.Run("webhooks", func(t *testing.T) {
		out, _ := json.Marshal(r)
		if len(r.Webhooks) != 1 || !r.Webhooks[0].Managed || strings.Contains(string(out), secret) {
			t.Errorf("webhooks %+v", r.Webhooks)
		}
		if len(r.Errors) != 0 {
			t.Errorf("errors %v", r.Errors)
		}
	})
}

// A missing stream and unreadable webhooks are reported, and the rest
// still gathered. Webhooks that could not be listed are unknown, not an
// empty list.
func TestCollectWithAMissingStream(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	if err := js.DeleteStream(testCtx(t), events.DLQStream); err != nil {
		t.Fatal(err)
	}
	noBucket := status.WebhookListerFunc(func(context.Context) ([]webhooks.Hook, error) { return nil, jetstream.ErrBucketNotFound })
	r, err := status.Collect(testCtx(t), js, status.Options{Webhooks: noBucket})
	if err != nil {
		t.Fatal(err)
	}
	errs := strings.Join(r.Errors, "\n")
	// The DLQ stream and its dead letters, and the webhooks.
	if len(r.Streams) != 2 || len(r.Errors) != 3 || !strings.Contains(errs, jetstream.ErrStreamNotFound.Error()) ||
		!strings.Contains(errs, "webhooks: ") || r.Webhooks != nil || r.WebhooksError == "" {
		t.Errorf("streams %+v, errors %v", r.Streams, r.Errors)
	}
}
