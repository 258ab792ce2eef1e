package webexcall_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

func TestFailedWritesAreStored(t *testing.T) {
	tests := []struct {
		name          string
		timeout       time.Duration
		fault         emulator.Fault
		outsideEvent  bool
		wantStored    bool
		wantAmbiguous bool
		wantOutcome   outbox.Outcome
		wantErr       func(error) bool
	}{
		{
			name:        "503 is stored and deferred",
			fault:       emulator.Fault{Status: 503},
			wantStored:  true,
			wantOutcome: outbox.OutcomeRetryable,
		},
		{
			name:        "429 is stored with its Retry-After",
			fault:       emulator.Fault{Status: 429, RetryAfter: "2"},
			wantStored:  true,
			wantOutcome: outbox.OutcomeRateLimited,
		},
		{
			name:          "504 is stored as ambiguous",
			fault:         emulator.Fault{Status: 504},
			wantStored:    true,
			wantAmbiguous: true,
			wantOutcome:   outbox.OutcomeUnknown,
		},
		{
			name:          "a timeout is stored as ambiguous",
			timeout:       200 * time.Millisecond,
			fault:         emulator.Fault{Delay: 500 * time.Millisecond},
			wantStored:    true,
			wantAmbiguous: true,
			wantOutcome:   outbox.OutcomeUnknown,
		},
		{
			name:    "400 is returned, not stored",
			fault:   emulator.Fault{Status: 400},
			wantErr: func(err error) bool { return !workers.IsDeferred(err) && errors.As(err, new(*webex.APIError)) },
		},
		{
			name:         "outside a handler a 503 is returned, not stored",
			fault:        emulator.Fault{Status: 503},
			outsideEvent: true,
			wantErr:      func(err error) bool { return !workers.IsDeferred(err) && webex.IsRetryable(err) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			e := newEnv(t, timeout, 0)
			user, err := e.sim.PostAsUser(emulator.UserMessage{Text: "hi"})
			if err != nil {
				t.Fatal(err)
			}
			f := tt.fault
			f.Method, f.Path, f.Times = http.MethodPost, "/messages", 1
			e.sim.InjectFault(f)
			ctx := handlerCtx(t, 1)
			if tt.outsideEvent {
				ctx = testCtx(t)
			}
			start := time.Now()
			msg, err := e.client.SendMessage(ctx, &webex.MessageRequest{RoomID: user.RoomID, Markdown: "reply"})
			if err == nil || msg != nil {
				t.Fatalf("SendMessage = %v, %v; want an error", msg, err)
			}
			stored := e.storedCalls(t)
			if !tt.wantStored {
				if !tt.wantErr(err) {
					t.Errorf("err = %v", err)
				}
				if len(stored) != 0 {
					t.Errorf("%d calls stored, want none", len(stored))
				}
				return
			}
			var se *webexcall.StoredError
			if !workers.IsDeferred(err) || !errors.As(err, &se) {
				t.Fatalf("err = %v, want a deferral naming the stored call", err)
			}
			if len(stored) != 1 {
				t.Fatalf("%d calls stored, want 1", len(stored))
			}
			c := stored[0]
			if c.ID != se.CallID || c.Worker != "echo" || c.Method != http.MethodPost || c.Path != "/messages" || c.Attempts != 1 {
				t.Errorf("record %+v", c)
			}
			if c.Event == nil || c.Event.Seq != 42 || c.Event.DedupKey != "messages:created:m-1" {
				t.Errorf("record event = %+v", c.Event)
			}
			a := c.History[0]
			if a.Outcome != tt.wantOutcome || c.Ambiguous != tt.wantAmbiguous || a.By != "echo" || a.At.Before(start.Add(-time.Second)) {
				t.Errorf("attempt %+v, ambiguous %v", a, c.Ambiguous)
			}
			if f.Status != 0 && (a.Status != f.Status || a.TrackingID == "" || c.LastTrackingID != a.TrackingID) {
				t.Errorf("attempt status %d, tracking id %q", a.Status, a.TrackingID)
			}
			if f.RetryAfter != "" && c.NotBefore.Before(a.At.Add(2*time.Second)) {
				t.Errorf("not before %s, want at least the Retry-After after %s", c.NotBefore, a.At)
			}
			if got := metricstest.Value(t, e.reg, "webexpipe_webex_calls_stored_total", map[string]string{"worker": "echo"}); got != 1 {
				t.Errorf("stored calls counted = %v", got)
			}
		})
	}
}

// An event redelivered after its call was stored does not send it again.
func TestRedeliveredEventDoesNotResendAStoredCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5*time.Second, 0)
	user, err := e.sim.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	req := &webex.MessageRequest{RoomID: user.RoomID, Markdown: "reply"}
	e.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 503, Times: 1})
	if _, err := e.client.SendMessage(handlerCtx(t, 1), req); !workers.IsDeferred(err) {
		t.Fatalf("first delivery: %v", err)
	}
	_, err = e.client.SendMessage(handlerCtx(t, 2), req)
	if !workers.IsDeferred(err) || !errors.Is(err, webexcall.ErrAlreadyStored) {
		t.Fatalf("second delivery: err = %v, want a deferral for the stored call", err)
	}
	if n := e.calls(http.MethodPost, "/messages"); n != 1 {
		t.Errorf("%d POST /messages, want 1", n)
	}
	// Another event's call is not held back by it.
	if _, err := e.client.SendMessage(handlerCtx(t, 2), &webex.MessageRequest{RoomID: user.RoomID, Markdown: "other"}); err != nil {
		t.Errorf("a different call: %v", err)
	}
}
