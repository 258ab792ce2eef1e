package workers

import (
	"context"
	"errors"
	"testing"

	"github.com/webexpipe/webexpipe/events"
)

// TestAttemptRecordMarksALostDeliveryRetried: nats-server killed right
// after a delivery can forget it, and deliver the event again as a first
// delivery (Delivered 1) while its handler's reply is already out. The
// attempt record the first delivery wrote makes the second Retried, so the
// handler looks for its reply. A forced replay copy is a new attempt.
func TestAttemptRecordMarksALostDeliveryRetried(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	kv, err := env.js.KeyValue(testCtx(t), events.ProcessedBucket)
	if err != nil {
		t.Fatal(err)
	}
	var retried []bool
	crash := errors.New("the server went away before the marker was written")
	h := Chain(HandlerFunc(func(_ context.Context, ev *Event) error {
		retried = append(retried, ev.Retried())
		return crash
	}), Idempotency(kv, "unit", nil))

	for _, ev := range []*Event{
		{DedupKey: "messages:created:lost", StreamSeq: 4, Delivered: 1},               // the first delivery
		{DedupKey: "messages:created:lost", StreamSeq: 4, Delivered: 1},               // the same, after the server forgot it
		{DedupKey: "messages:created:lost", StreamSeq: 90, Delivered: 1, Force: true}, // a forced replay copy
		{DedupKey: "messages:created:lost", StreamSeq: 90, Delivered: 1, Force: true}, // that copy, forgotten
		{DedupKey: "messages:created:other", StreamSeq: 5, Delivered: 1},              // another event
	} {
		if err := h.Handle(testCtx(t), ev); !errors.Is(err, crash) {
			t.Fatalf("Handle = %v", err)
		}
	}
	want := []bool{false, true, false, true, false}
	for i := range want {
		if retried[i] != want[i] {
			t.Errorf("delivery %d: Retried %v, want %v (all: %v)", i, retried[i], want[i], retried)
		}
	}
}
