package retry_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// Each case makes Webex fail the echo reply in one way. The user gets
// exactly one reply, or none and a dead letter that a redrive, once the
// fault is gone, turns into the reply.
func TestWebexFailures(t *testing.T) {
	tests := []struct {
		name         string
		webexTimeout time.Duration
		maxElapsed   time.Duration
		faults       []emulator.Fault // on POST /messages, in order
		wantReplies  int
		wantPosts    int
		wantDLQ      string // the worker whose dead letter is expected; "" for none
		wantReason   string // in the dead letter's reason
		check        func(t *testing.T, h *harness)
	}{
		{
			// The POST times out on the client but Webex stores the reply
			// anyway; the retry worker finds it and does not post again.
			name:         "timeout after Webex stored the message",
			webexTimeout: 300 * time.Millisecond,
			faults:       []emulator.Fault{{Delay: 700 * time.Millisecond, Times: 1}},
			wantReplies:  1,
			wantPosts:    1,
			check: func(t *testing.T, h *harness) {
				if got := metricstest.Value(t, h.retryM, "webexpipe_retry_calls_finished_total", map[string]string{"result": "found"}); got != 1 {
					t.Errorf("calls found already sent = %v, want 1", got)
				}
			},
		},
		{
			name:        "504 that stored nothing is sent once more",
			faults:      []emulator.Fault{{Status: 504, Times: 1}},
			wantReplies: 1,
			wantPosts:   2,
		},
		{
			name:        "503 twice, then the reply",
			faults:      []emulator.Fault{{Status: 503, Times: 2}},
			wantReplies: 1,
			wantPosts:   3,
		},
		{
			name:       "400 is dead-lettered by echo and not retried",
			faults:     []emulator.Fault{{Status: 400, Times: 1}},
			wantPosts:  1,
			wantDLQ:    "echo",
			wantReason: "400 Bad Request",
			check: func(t *testing.T, h *harness) {
				if n := h.streamLastSeq(events.CallsStream); n != 0 {
					t.Errorf("%d calls were stored for retry, want none", n)
				}
			},
		},
		{
			name:       "403 in the retry worker is dead-lettered with the history",
			faults:     []emulator.Fault{{Status: 503, Times: 1}, {Status: 403, Times: 1}},
			wantPosts:  2,
			wantDLQ:    events.RetryWorker,
			wantReason: "403 Forbidden",
		},
		{
			name:       "a call failing past the policy's max elapsed time is dead-lettered",
			maxElapsed: 1500 * time.Millisecond,
			faults:     []emulator.Fault{{Status: 503}},
			wantDLQ:    events.RetryWorker,
			wantReason: "retry time used up",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, options{webexTimeout: tt.webexTimeout})
			h.startEcho()
			rc := fastRetry()
			if tt.maxElapsed != 0 {
				rc.Policy.MaxElapsed = tt.maxElapsed
			}
			h.startRetry(rc)
			for _, f := range tt.faults {
				f.Method, f.Path = http.MethodPost, "/messages"
				h.sim.InjectFault(f)
			}
			sent, err := h.sim.PostAsUser(emulator.UserMessage{Text: "through trouble"})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantDLQ != "" {
				waitfor.Until(t, 20*time.Second, func() (bool, string) { return len(h.deadLetters(tt.wantDLQ)) == 1, "no dead letter yet" })
			} else {
				waitfor.Until(t, 20*time.Second, func() (bool, string) { return len(h.sim.BotMessages(sent.RoomID)) >= tt.wantReplies, "no reply yet" })
			}
			h.settle(1+tt.wantReplies, "echo")
			if got := len(h.sim.BotMessages(sent.RoomID)); got != tt.wantReplies {
				t.Errorf("%d replies, want %d", got, tt.wantReplies)
			}
			if got := len(h.posts()); tt.wantPosts != 0 && got != tt.wantPosts {
				t.Errorf("%d POST /messages, want %d", got, tt.wantPosts)
			}
			if tt.check != nil {
				tt.check(t, h)
			}
			if tt.wantDLQ == "" {
				if n := len(h.deadLetters("")); n != 0 {
					t.Errorf("%d dead letters, want none", n)
				}
				return
			}
			dead := h.deadLetters(tt.wantDLQ)
			if len(dead) != 1 {
				t.Fatalf("%d dead letters of %s, want 1", len(dead), tt.wantDLQ)
			}
			e := dead[0]
			if !strings.Contains(e.Reason, tt.wantReason) {
				t.Errorf("reason %q, want it to name %q", e.Reason, tt.wantReason)
			}
			if e.TrackingID == "" {
				t.Error("the dead letter has no tracking id")
			}
			if e.Kind == deadletters.KindCall {
				if e.Call == nil || len(e.Call.History) != e.Call.Attempts || e.Call.Attempts < 2 {
					t.Fatalf("call dead letter without its history: %+v", e.Call)
				}
				for i, a := range e.Call.History {
					if a.At.IsZero() || a.Outcome == "" || a.Error == "" || a.Status == 0 || a.TrackingID == "" {
						t.Errorf("attempt %d is incomplete: %+v", i+1, a)
					}
				}
				if first := e.Call.History[0]; first.By != "echo" || first.Outcome != outbox.OutcomeRetryable {
					t.Errorf("first attempt %+v, want echo's retryable failure", first)
				}
			}

			// Fix the fault, send the dead letter back: the reply arrives.
			h.sim.ClearFaults()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := deadletters.Redrive(ctx, h.js, e, deadletters.RedriveOptions{}); err != nil {
				t.Fatal(err)
			}
			waitfor.Until(t, 20*time.Second, func() (bool, string) { return len(h.sim.BotMessages(sent.RoomID)) == 1, "no reply after the redrive" })
			h.settle(2, "echo")
			if got := len(h.sim.BotMessages(sent.RoomID)); got != 1 {
				t.Errorf("%d replies after the redrive, want 1", got)
			}
			if n := len(h.deadLetters("")); n != 0 {
				t.Errorf("%d dead letters left after the redrive", n)
			}
		})
	}
}

// deadLetters lists the dead letters of worker ("" for all).
func (h *harness) deadLetters(worker string) []*deadletters.Entry {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := deadletters.List(ctx, h.js, deadletters.Filter{Worker: worker})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func (h *harness) streamLastSeq(name string) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := h.js.Stream(ctx, name)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return info.State.LastSeq
}
