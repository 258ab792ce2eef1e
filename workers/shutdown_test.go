package workers

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRunnerGracefulShutdown(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "graceful"
	cfg, reg := testConfig(t, name)
	cfg.Concurrency = 2
	started := make(chan struct{}, 2)
	release := make(chan struct{})
	handlerCtxErr := make(chan error, 2)
	rec := &recorder{fn: func(ctx context.Context, _ *Event, _ int) error {
		started <- struct{}{}
		<-release
		handlerCtxErr <- ctx.Err()
		return nil
	}}
	env.publishEvent(t, "m-1")
	seq2, _ := env.publishEvent(t, "m-2")
	rr := startRunner(t, env.js, cfg, rec)
	for range 2 {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("handlers did not start")
		}
	}

	rr.cancel()
	env.publishEvent(t, "m-3") // stored after shutdown began: not taken
	// Run must still be draining: give it a moment to (wrongly) return.
	select {
	case <-rr.finished:
		t.Fatalf("Run returned %v while handlers were running", rr.err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := rr.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil after a clean drain", err)
	}
	for range 2 {
		if err := <-handlerCtxErr; err != nil {
			t.Errorf("handler context ended by shutdown: %v", err)
		}
	}
	if got := handledCount(t, reg, name, outcomeOK); got != 2 {
		t.Errorf("ok = %v, want 2", got)
	}
	info := env.consumerInfo(t, name)
	if info.AckFloor.Stream != seq2 || info.NumAckPending != 0 || info.NumPending != 1 {
		t.Errorf("ack floor %d, ack pending %d, pending %d; want %d, 0, 1",
			info.AckFloor.Stream, info.NumAckPending, info.NumPending, seq2)
	}
	if got := rec.count(); got != 2 {
		t.Errorf("handler calls = %d, want 2", got)
	}
}

func TestRunnerDrainTimeout(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "draintimeout"
	cfg, reg := testConfig(t, name)
	cfg.DrainTimeout = 300 * time.Millisecond
	started := make(chan struct{}, 1)
	stuck := &recorder{fn: func(ctx context.Context, _ *Event, _ int) error {
		started <- struct{}{}
		<-ctx.Done() // a handler that only stops when told to
		return ctx.Err()
	}}
	seq, _ := env.publishEvent(t, "m-1")
	rr := startRunner(t, env.js, cfg, stuck)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not start")
	}

	begin := time.Now()
	err := rr.stop(t)
	if !errors.Is(err, ErrDrainTimeout) {
		t.Fatalf("Run = %v, want ErrDrainTimeout", err)
	}
	if took := time.Since(begin); took < cfg.DrainTimeout || took > cfg.DrainTimeout+drainGrace {
		t.Errorf("Run took %s to return, want between %s and %s", took, cfg.DrainTimeout, cfg.DrainTimeout+drainGrace)
	}
	if got := handledCount(t, reg, name, outcomeRetry); got != 1 {
		t.Errorf("retry = %v, want 1: a cancelled handler's event is nak'd", got)
	}

	// The event comes back to the next runner.
	cfg2, reg2 := testConfig(t, name)
	next := &recorder{}
	startRunner(t, env.js, cfg2, next)
	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg2, name, outcomeOK) == 1 },
		"nak'd event not handled after restart")
	if c := next.snapshot(); len(c) != 1 || c[0].seq != seq || c[0].delivered != 2 {
		t.Errorf("restarted runner saw %+v, want one call for seq %d, delivery 2", c, seq)
	}
}
