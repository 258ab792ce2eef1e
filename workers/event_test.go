package workers

import (
	"context"
	"time"

	"testing"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

func TestRunnerEventFields(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "fields"
	cfg, reg := testConfig(t, name)
	// One at a time: the forced replay writes the marker the original
	// would otherwise find first and be counted as a duplicate.
	cfg.Concurrency = 1
	got := make(chan *Event, 2)
	h := HandlerFunc(func(_ context.Context, ev *Event) error {
		if err := ev.InProgress(); err != nil {
			t.Errorf("InProgress: %v", err)
		}
		got <- ev
		return nil
	})
	seq, key := env.publishEvent(t, "m-1")
	forced := nats.NewMsg(events.ReplaySubject(name, "messages", "created", 7))
	forced.Data = webhookBody("m-1")
	forced.Header.Set(events.HeaderMsgID, "replay-1")
	forced.Header.Set(events.HeaderDedupKey, key)
	forced.Header.Set(events.HeaderReplayForce, "true")
	replaySeq := env.publish(t, forced)
	startRunner(t, env.js, cfg, h)
	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, outcomeOK) == 2 }, "events not handled")

	first, second := <-got, <-got
	if first.StreamSeq != seq || first.Stream != events.EventsStream || first.Delivered != 1 ||
		first.ConsumerSeq != 1 || first.Timestamp.IsZero() || first.Envelope == nil ||
		first.Envelope.Data.ID != "m-1" || first.DedupKey != key || first.Replay || first.Force ||
		first.Header.Get(events.HeaderWebhookID) != "wh-1" || string(first.Raw) != string(webhookBody("m-1")) {
		t.Errorf("original event = %+v", first)
	}
	if second.StreamSeq != replaySeq || !second.Replay || !second.Force || second.DedupKey != key {
		t.Errorf("forced replay = %+v", second)
	}
	if err := (&Event{}).InProgress(); err != nil {
		t.Errorf("InProgress on a hand-built event = %v, want nil", err)
	}
}
