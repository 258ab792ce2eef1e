package workers

import (
	"context"
	"errors"
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

// TestWaitingThroughMaxDeliverRequeues: an event that only ever waits
// (Wait, e.g. the shared pause) through all its deliveries is not
// dead-lettered: a copy on its replay subject carries on and is handled.
func TestWaitingThroughMaxDeliverRequeues(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg, reg := testConfig(t, "waiter") // MaxDeliver 3
	var calls atomic.Int32
	var replayed atomic.Bool
	h := HandlerFunc(func(_ context.Context, ev *Event) error {
		if calls.Add(1) <= 4 { // more waits than deliveries allowed
			return Wait(errors.New("paused"), 20*time.Millisecond)
		}
		replayed.Store(ev.Replay)
		return nil
	})
	env.publishEvent(t, "w-1")
	startRunner(t, env.js, cfg, h)
	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, "waiter", outcomeOK) == 1 }, "the event was never handled")
	if n := handledCount(t, reg, "waiter", outcomeDeadLetter); n != 0 {
		t.Errorf("%v dead letters, want none", n)
	}
	if n := handledCount(t, reg, "waiter", outcomeRequeued); n != 1 {
		t.Errorf("%v requeues, want 1", n)
	}
	if !replayed.Load() {
		t.Error("the handled delivery was not the requeued copy")
	}
}
