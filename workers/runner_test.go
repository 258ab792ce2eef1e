package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

func TestRunnerOutcomes(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name        string
		undecodable bool
		handle      func(ctx context.Context, ev *Event, n int) error
		want        outcome // the final outcome, counted once
		wantCalls   int
		wantRetries int
		wantDLQ     string // substring of the dead letter's reason; "" for none
	}{
		{
			name:      "success is acked",
			handle:    func(context.Context, *Event, int) error { return nil },
			want:      outcomeOK,
			wantCalls: 1,
		},
		{
			name:      "ignore is acked",
			handle:    func(context.Context, *Event, int) error { return Ignore("the bot's own message") },
			want:      outcomeIgnored,
			wantCalls: 1,
		},
		{
			name:      "deferred is acked",
			handle:    func(context.Context, *Event, int) error { return Deferred(errBoom) },
			want:      outcomeDeferred,
			wantCalls: 1,
		},
		{
			name: "deferred wins over the retry around it",
			handle: func(context.Context, *Event, int) error {
				return RetryAfter(fmt.Errorf("send reply: %w", Deferred(errBoom)), time.Second)
			},
			want:      outcomeDeferred,
			wantCalls: 1,
		},
		{
			name:      "deferred wins over permanent",
			handle:    func(context.Context, *Event, int) error { return Permanent(Deferred(errBoom)) },
			want:      outcomeDeferred,
			wantCalls: 1,
		},
		{
			name:      "permanent goes to the DLQ at once",
			handle:    func(context.Context, *Event, int) error { return Permanent(errors.New("room gone")) },
			want:      outcomeDeadLetter,
			wantCalls: 1,
			wantDLQ:   "permanent: room gone",
		},
		{
			name:        "undecodable body goes to the DLQ without a handler call",
			undecodable: true,
			handle:      func(context.Context, *Event, int) error { return nil },
			want:        outcomeDeadLetter,
			wantCalls:   0,
			wantDLQ:     "decode webhook body: missing data.id",
		},
		{
			name:        "error is retried then dead-lettered on the last delivery",
			handle:      func(context.Context, *Event, int) error { return errBoom },
			want:        outcomeDeadLetter,
			wantCalls:   3,
			wantRetries: 2,
			wantDLQ:     "gave up after 3 deliveries: boom",
		},
		{
			name: "panic is recovered and retried",
			handle: func(_ context.Context, _ *Event, n int) error {
				if n == 1 {
					panic("nil map")
				}
				return nil
			},
			want:        outcomeOK,
			wantCalls:   2,
			wantRetries: 1,
		},
		{
			name: "error then success",
			handle: func(_ context.Context, _ *Event, n int) error {
				if n == 1 {
					return errBoom
				}
				return nil
			},
			want:        outcomeOK,
			wantCalls:   2,
			wantRetries: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			const name = "outcomes"
			cfg, reg := testConfig(t, name)
			rec := &recorder{fn: tt.handle}

			var seq uint64
			var key string
			body := webhookBody("m-1")
			if tt.undecodable {
				body = []byte(`{"resource":"messages","event":"created","data":{}}`)
				msg := nats.NewMsg(events.EventSubject("messages", "created", 3))
				msg.Data = body
				msg.Header.Set(events.HeaderMsgID, "bad-1")
				msg.Header.Set(events.HeaderWebhookID, "wh-1")
				seq, key = env.publish(t, msg), "bad-1"
			} else {
				seq, key = env.publishEvent(t, "m-1")
			}
			startRunner(t, env.js, cfg, rec)

			eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, tt.want) == 1 },
				"outcome %s not counted", tt.want)
			// Settled means nothing is pending and nothing will come back.
			info := env.consumerInfo(t, name)
			if info.AckFloor.Stream != seq || info.NumAckPending != 0 || info.NumRedelivered != 0 {
				t.Errorf("consumer ack floor %d, ack pending %d, redelivered %d; want %d, 0, 0",
					info.AckFloor.Stream, info.NumAckPending, info.NumRedelivered, seq)
			}
			if got := rec.count(); got != tt.wantCalls {
				t.Errorf("handler calls = %d, want %d", got, tt.wantCalls)
			}
			if got := handledCount(t, reg, name, outcomeRetry); got != float64(tt.wantRetries) {
				t.Errorf("retries = %v, want %d", got, tt.wantRetries)
			}
			for i, c := range rec.snapshot() {
				if c.delivered != uint64(i+1) {
					t.Errorf("call %d saw delivery %d", i+1, c.delivered)
				}
			}

			dead := env.deadLetters(t, name)
			if tt.wantDLQ == "" {
				if len(dead) != 0 {
					t.Fatalf("dead letters = %d, want none", len(dead))
				}
				return
			}
			if len(dead) != 1 {
				t.Fatalf("dead letters = %d, want 1", len(dead))
			}
			dl := dead[0]
			if string(dl.Data) != string(body) {
				t.Errorf("dead letter body = %q, want the raw event", dl.Data)
			}
			wantDeliveries := max(tt.wantCalls, 1)
			for h, want := range map[string]string{
				events.HeaderWorker:     name,
				events.HeaderOrigSeq:    strconv.FormatUint(seq, 10),
				events.HeaderDeliveries: strconv.Itoa(wantDeliveries),
				events.HeaderDedupKey:   key,
				events.HeaderMsgID:      name + ":" + strconv.FormatUint(seq, 10),
				events.HeaderWebhookID:  "wh-1",
			} {
				if got := dl.Header.Get(h); got != want || got == "" {
					t.Errorf("dead letter header %s = %q, want %q", h, got, want)
				}
			}
			if got := dl.Header.Get(events.HeaderOrigSubject); !strings.HasPrefix(got, "webex.events.messages.created.") {
				t.Errorf("dead letter original subject = %q", got)
			}
			if got := dl.Header.Get(events.HeaderDLQReason); !strings.Contains(got, tt.wantDLQ) {
				t.Errorf("dead letter reason = %q, want it to contain %q", got, tt.wantDLQ)
			}
		})
	}
}

func TestRunnerRetryBackoff(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "backoff"
	cfg, reg := testConfig(t, name)
	cfg.MaxDeliver = 4
	cfg.Backoff = Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2}
	rec := &recorder{fn: func(context.Context, *Event, int) error { return errors.New("webex 503") }}
	env.publishEvent(t, "m-1")
	startRunner(t, env.js, cfg, rec)

	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, outcomeDeadLetter) == 1 },
		"event not dead-lettered")
	calls := rec.snapshot()
	if len(calls) != 4 {
		t.Fatalf("handler calls = %d, want 4", len(calls))
	}
	for i, want := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond} {
		if gap := calls[i+1].at.Sub(calls[i].at); gap < want {
			t.Errorf("delivery %d came %s after delivery %d, want at least %s", i+2, gap, i+1, want)
		}
	}
}

func TestRunnerRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		delay   time.Duration
		wantMin time.Duration
	}{
		{name: "honours the delay", delay: 300 * time.Millisecond, wantMin: 300 * time.Millisecond},
		{name: "clamps to the backoff max", delay: time.Hour, wantMin: 400 * time.Millisecond},
		{name: "negative means at once", delay: -time.Second, wantMin: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			const name = "retryafter"
			cfg, reg := testConfig(t, name) // Backoff.Max is 400ms
			rec := &recorder{fn: func(_ context.Context, _ *Event, n int) error {
				if n == 1 {
					return RetryAfter(errors.New("429"), tt.delay)
				}
				return nil
			}}
			env.publishEvent(t, "m-1")
			startRunner(t, env.js, cfg, rec)

			eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, outcomeOK) == 1 },
				"event not redelivered and acked")
			calls := rec.snapshot()
			if len(calls) != 2 {
				t.Fatalf("handler calls = %d, want 2", len(calls))
			}
			if gap := calls[1].at.Sub(calls[0].at); gap < tt.wantMin {
				t.Errorf("redelivered after %s, want at least %s", gap, tt.wantMin)
			}
		})
	}
}

func TestRunnerConcurrencyBound(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "bounded"
	const total, limit = 12, 3
	cfg, reg := testConfig(t, name)
	cfg.Concurrency = limit
	var active, peak atomicMax
	rec := &recorder{fn: func(ctx context.Context, _ *Event, _ int) error {
		peak.observe(active.add(1))
		defer active.add(-1)
		select { // simulated work
		case <-time.After(100 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	for i := range total {
		env.publishEvent(t, "m-"+strconv.Itoa(i))
	}
	startRunner(t, env.js, cfg, rec)

	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, outcomeOK) == total },
		"not all events handled")
	if got := peak.load(); got != limit {
		t.Errorf("peak concurrent handlers = %d, want %d", got, limit)
	}
	if got := rec.count(); got != total {
		t.Errorf("handler calls = %d, want %d", got, total)
	}
}

func TestRunnerLongHandlerKeptAlive(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "long"
	cfg, reg := testConfig(t, name)
	cfg.AckWait = time.Second
	cfg.Concurrency = 2 // a free slot to take a redelivery if one came
	rec := &recorder{fn: func(ctx context.Context, _ *Event, _ int) error {
		select { // longer than AckWait
		case <-time.After(2500 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	seq, _ := env.publishEvent(t, "m-1")
	startRunner(t, env.js, cfg, rec)

	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, outcomeOK) == 1 },
		"event not handled")
	info := env.consumerInfo(t, name)
	if info.NumRedelivered != 0 || info.AckFloor.Stream != seq {
		t.Errorf("redelivered %d, ack floor %d; want 0, %d", info.NumRedelivered, info.AckFloor.Stream, seq)
	}
	if got := rec.count(); got != 1 {
		t.Errorf("handler calls = %d, want 1", got)
	}
}
