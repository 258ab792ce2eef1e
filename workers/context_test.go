package workers

import (
	"context"
	"testing"
	"time"
)

func TestHandlerContextCarriesTheEvent(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "ctxevent"
	cfg, reg := testConfig(t, name)
	seen := make(chan *Event, 1)
	seq, _ := env.publishEvent(t, "m-1")
	startRunner(t, env.js, cfg, HandlerFunc(func(ctx context.Context, ev *Event) error {
		got, ok := EventFrom(ctx)
		if !ok || got != ev {
			t.Errorf("EventFrom = %p, %v; want the handled event %p", got, ok, ev)
		}
		seen <- got
		return nil
	}))
	select {
	case ev := <-seen:
		if ev.StreamSeq != seq {
			t.Errorf("event from context has stream seq %d, want %d", ev.StreamSeq, seq)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler not called")
	}
	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, outcomeOK) == 1 }, "event not acked")

	if _, ok := EventFrom(context.Background()); ok {
		t.Error("EventFrom found an event in a bare context")
	}
}
