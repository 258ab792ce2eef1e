package workers

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHoldFetchesNothingDuringAPause: while Hold says to wait, nothing is
// fetched, so no delivery is spent; afterwards every event is handled on
// its first delivery.
func TestHoldFetchesNothingDuringAPause(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg, reg := testConfig(t, "hold")
	var mu sync.Mutex // guards until
	until := time.Now().Add(700 * time.Millisecond)
	cfg.Hold = func(context.Context) time.Time {
		mu.Lock()
		defer mu.Unlock()
		return until
	}
	var first atomic.Int64 // unix nanos of the first Handle call
	var redelivered atomic.Int32
	h := HandlerFunc(func(_ context.Context, ev *Event) error {
		first.CompareAndSwap(0, time.Now().UnixNano())
		if ev.Delivered > 1 {
			redelivered.Add(1)
		}
		return nil
	})
	for _, id := range []string{"h-1", "h-2", "h-3"} {
		env.publishEvent(t, id)
	}
	mu.Lock()
	holdEnd := until
	mu.Unlock()
	startRunner(t, env.js, cfg, h)
	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, "hold", outcomeOK) == 3 }, "events not handled after the hold")
	if got := time.Unix(0, first.Load()); got.Before(holdEnd) {
		t.Errorf("first event handled %s before the hold ended", holdEnd.Sub(got))
	}
	if n := redelivered.Load(); n != 0 {
		t.Errorf("%d events were delivered more than once", n)
	}
}
