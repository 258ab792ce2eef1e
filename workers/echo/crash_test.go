package echo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// downKV is the marker bucket of a nats-server that was just killed: the
// marker cannot be written (reads and the rest still work, as they do
// again once the server is back on the same store).
type downKV struct{ jetstream.KeyValue }

func (downKV) Put(context.Context, string, []byte) (uint64, error) {
	return 0, errors.New("nats: connection closed")
}

// TestReplyAfterTheServerForgotTheDelivery: the reply goes out, nats-server
// is killed before the marker is written and, on its restart, has lost the
// delivery count (it writes a consumer's state to disk up to 100ms late),
// so the event comes back as a first delivery. The echo worker must still
// look for its reply, and not send a second one.
func TestReplyAfterTheServerForgotTheDelivery(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, events.ProcessedBucket)
	if err != nil {
		t.Fatal(err)
	}
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
	if err != nil {
		t.Fatal(err)
	}
	h, err := echo.New(client, echo.Config{Mode: echo.ModeText, RecheckAfter: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sim.PostAsUser(emulator.UserMessage{Text: "hello once"})
	if err != nil {
		t.Fatal(err)
	}
	raw := fmt.Appendf(nil, `{"id":"wh","resource":"messages","event":"created","data":{"id":%q,"roomId":%q,"personId":%q,"created":%q}}`,
		msg.ID, msg.RoomID, msg.PersonID, msg.Created)
	delivery := func() *workers.Event {
		env, err := events.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &workers.Event{Envelope: env, Raw: raw, Subject: "webex.events.messages.created.3", StreamSeq: 12,
			Delivered: 1, Timestamp: time.Now(), DedupKey: events.DedupKey(env, raw)}
	}

	crashed := workers.Chain(h, workers.Idempotency(downKV{kv}, echo.Name, nil))
	if err := crashed.Handle(ctx, delivery()); err != nil {
		t.Fatalf("first delivery: %v", err)
	}
	// The server redelivers at once: while the first POST may still be
	// under way at Webex, the worker waits instead of looking.
	patient, err := echo.New(client, echo.Config{Mode: echo.ModeText, RecheckAfter: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ev := delivery() // Delivered 1 again: the server forgot the first
	err = workers.Chain(patient, workers.Idempotency(kv, echo.Name, nil)).Handle(workers.ContextWithEvent(ctx, ev), ev)
	if d, ok := workers.RetryDelay(err); !ok || d <= 0 || d > time.Minute {
		t.Fatalf("delivery right after the restart: %v (retry in %s); want a wait for the earlier POST", err, d)
	}
	// Once the earlier attempt is surely over (h rechecks after 1ms), the
	// worker looks for its reply and finds it.
	restarted := workers.Chain(h, workers.Idempotency(kv, echo.Name, nil))
	ev = delivery()
	if err := restarted.Handle(workers.ContextWithEvent(ctx, ev), ev); err != nil && !workers.IsIgnored(err) {
		t.Fatalf("delivery after the restart: %v", err)
	}
	if n := len(sim.BotMessages(msg.RoomID)); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}
