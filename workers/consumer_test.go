package workers

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// TestRunnerRestartContinues stops a runner in the middle of a stream of
// events and starts a new one on the same durable: together they handle
// every event exactly once. Idempotency markers are off, so a repeat would
// show.
func TestRunnerRestartContinues(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "restart"
	const total = 20
	cfg, reg := testConfig(t, name)
	cfg.Idempotent = false
	cfg.Concurrency = 2
	cfg.AckWait = 2 * time.Second // bounds the wait for a delivery lost in flight at shutdown
	work := func(ctx context.Context, _ *Event, _ int) error {
		select { // simulated work
		case <-time.After(20 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for i := range total / 2 {
		env.publishEvent(t, "m-"+strconv.Itoa(i))
	}
	first := &recorder{fn: work}
	rr := startRunner(t, env.js, cfg, first)
	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, outcomeOK) >= 4 },
		"first runner handled nothing")
	if err := rr.stop(t); err != nil {
		t.Fatalf("first Run = %v", err)
	}
	for i := total / 2; i < total; i++ {
		env.publishEvent(t, "m-"+strconv.Itoa(i))
	}

	cfg2, reg2 := testConfig(t, name)
	cfg2.Idempotent = false
	cfg2.AckWait = cfg.AckWait
	cfg2.StartAt = StartNew // ignored: the consumer exists
	second := &recorder{fn: work}
	startRunner(t, env.js, cfg2, second)
	handledFirst := int(handledCount(t, reg, name, outcomeOK))
	eventually(t, 15*time.Second, func() bool {
		return handledFirst+int(handledCount(t, reg2, name, outcomeOK)) == total
	}, "not every event handled")

	seen := make(map[uint64]int)
	for _, c := range append(first.snapshot(), second.snapshot()...) {
		seen[c.seq]++
	}
	for seq := uint64(1); seq <= total; seq++ {
		if seen[seq] != 1 {
			t.Errorf("stream seq %d handled %d times, want once", seq, seen[seq])
		}
	}
	if len(second.snapshot()) < total/2 {
		t.Errorf("second runner handled %d events, want at least %d", len(second.snapshot()), total/2)
	}
	if info := env.consumerInfo(t, name); info.AckFloor.Stream != total || info.NumAckPending != 0 {
		t.Errorf("ack floor %d, ack pending %d; want %d, 0", info.AckFloor.Stream, info.NumAckPending, total)
	}
}

// TestRunnerKeepsExistingPosition starts a worker type with one StartAt,
// then again with another: the second start must not fail (JetStream
// refuses to change a deliver policy) and the consumer keeps its position.
func TestRunnerKeepsExistingPosition(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Hour)
	tests := []struct {
		name          string
		first, second StartAt
		wantPolicy    jetstream.DeliverPolicy
	}{
		{name: "all then new", first: StartAll, second: StartNew, wantPolicy: jetstream.DeliverAllPolicy},
		{name: "new then all", first: StartNew, second: StartAll, wantPolicy: jetstream.DeliverNewPolicy},
		{name: "new then time", first: StartNew, second: StartTime(past), wantPolicy: jetstream.DeliverNewPolicy},
		{name: "time then all", first: StartTime(past), second: StartAll, wantPolicy: jetstream.DeliverByStartTimePolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			const name = "position"
			cfg, _ := testConfig(t, name)
			cfg.StartAt = tt.first
			rr := startRunner(t, env.js, cfg, &recorder{})
			eventually(t, 10*time.Second, func() bool {
				_, err := env.js.Consumer(testCtx(t), events.EventsStream, name)
				return err == nil
			}, "consumer not created")
			if err := rr.stop(t); err != nil {
				t.Fatalf("first Run = %v", err)
			}

			cfg2, reg2 := testConfig(t, name)
			cfg2.StartAt = tt.second
			cfg2.MaxDeliver = 5 // an updatable setting changes
			rr2 := startRunner(t, env.js, cfg2, &recorder{})
			env.publishEvent(t, "m-1")
			eventually(t, 10*time.Second, func() bool {
				if done, err := rr2.returned(); done {
					t.Fatalf("second Run returned %v", err)
				}
				return handledCount(t, reg2, name, outcomeOK) == 1
			}, "second runner handled nothing")
			info := env.consumerInfo(t, name)
			if info.Config.DeliverPolicy != tt.wantPolicy {
				t.Errorf("deliver policy = %v, want %v", info.Config.DeliverPolicy, tt.wantPolicy)
			}
			if info.Config.MaxDeliver != 5 {
				t.Errorf("max deliver = %d, want the updated 5", info.Config.MaxDeliver)
			}
		})
	}
}

func TestRunnerReadyOnceTheConsumerExists(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg, reg := testConfig(t, "ready")
	cfg.StartAt = StartNew
	r, err := New(env.js, cfg, HandlerFunc(func(context.Context, *Event) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.Ready():
		t.Fatal("ready before Run")
	default:
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-r.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("not ready within 10s")
	}
	// A consumer starting at new events handles what is published once
	// it is ready.
	if _, err := env.js.Consumer(testCtx(t), events.EventsStream, "ready"); err != nil {
		t.Fatalf("ready but no consumer: %v", err)
	}
	env.publishEvent(t, "m-ready")
	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, "ready", outcomeOK) == 1 }, "event published after Ready not handled")
}
