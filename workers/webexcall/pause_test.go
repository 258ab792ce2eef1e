package webexcall_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// A 429 on any call pauses every call after it, reads and writes, without
// sending them; the handler is told to come back when the pause ends.
func TestA429PausesEveryCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5*time.Second, 0)
	user, err := e.sim.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.InjectFault(emulator.Fault{Method: http.MethodGet, Path: "/messages/", Status: 429, RetryAfter: "2", Times: 1})
	start := time.Now()
	if _, err := e.client.Message(handlerCtx(t, 1), user.ID); err == nil {
		t.Fatal("the 429 was not returned")
	}
	before := len(e.sim.Calls())
	for name, call := range map[string]func() error{
		"read": func() error { _, err := e.client.Me(handlerCtx(t, 1)); return err },
		"write": func() error {
			_, err := e.client.SendMessage(handlerCtx(t, 1), &webex.MessageRequest{RoomID: user.RoomID, Text: "x"})
			return err
		},
	} {
		err := call()
		d, ok := workers.RetryDelay(err)
		if !ok || !errors.Is(err, ratelimit.ErrPaused) || d <= time.Second || d > 2200*time.Millisecond {
			t.Errorf("%s during the pause: err = %v, delay %s; want a retry after the rest of the 2s pause, plus a tenth at most", name, err, d)
		}
	}
	if after := len(e.sim.Calls()); after != before {
		t.Errorf("%d calls reached Webex during the pause", after-before)
	}
	if n := len(e.storedCalls(t)); n != 0 {
		t.Errorf("a write held back by the pause was stored (%d); its event is retried instead", n)
	}
	waitfor.True(t, 3*time.Second, "the pause did not end", func() bool {
		_, err := e.client.Me(handlerCtx(t, 1))
		return err == nil
	})
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("a call went through %s after the 429, before its Retry-After of 2s", took)
	}
	for status, want := range map[string]float64{"429": 1, "paused": 2} {
		if got := metricstest.Value(t, e.reg, "webexpipe_webex_calls_total", map[string]string{"status": status}); got < want {
			t.Errorf("calls with status %s = %v, want at least %v", status, got, want)
		}
	}
}

// Webex has sent garbage in Retry-After. Whatever it sends, the pause is
// sane: unreadable values fall back to 15s, huge ones are clamped, an HTTP
// date is honoured, 0 still pauses for a second, and the stored call waits
// exactly as long.
func TestRetryAfterValues(t *testing.T) {
	const maxPause = 20 * time.Second
	tests := []struct {
		name       string
		retryAfter func() string
		want       time.Duration
	}{
		{name: "0", retryAfter: func() string { return "0" }, want: webex.MinRetryAfter},
		{name: "abc", retryAfter: func() string { return "abc" }, want: webex.FallbackRetryAfter},
		{name: "-1", retryAfter: func() string { return "-1" }, want: webex.FallbackRetryAfter},
		{name: "99999999", retryAfter: func() string { return "99999999" }, want: maxPause},
		{name: "rand(30),add(30)", retryAfter: func() string { return "rand(30),add(30)" }, want: webex.FallbackRetryAfter},
		{name: "HTTP date", retryAfter: func() string { return time.Now().Add(4 * time.Second).UTC().Format(http.TimeFormat) }, want: 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 5*time.Second, maxPause)
			user, err := e.sim.PostAsUser(emulator.UserMessage{Text: "hi"})
			if err != nil {
				t.Fatal(err)
			}
			e.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 429, RetryAfter: tt.retryAfter(), Times: 1})
			start := time.Now()
			if _, err := e.client.SendMessage(handlerCtx(t, 1), &webex.MessageRequest{RoomID: user.RoomID, Text: "x"}); !workers.IsDeferred(err) {
				t.Fatalf("err = %v, want the call stored", err)
			}
			// An HTTP date has one-second resolution.
			slack := 1100 * time.Millisecond
			pause := e.gate.Until(testCtx(t)).Sub(start)
			if pause < tt.want-slack || pause > tt.want+slack {
				t.Errorf("pause of %s, want about %s", pause, tt.want)
			}
			stored := e.storedCalls(t)
			if len(stored) != 1 {
				t.Fatalf("%d calls stored", len(stored))
			}
			if wait := stored[0].NotBefore.Sub(start); wait < tt.want-slack || wait > tt.want+slack {
				t.Errorf("stored call waits %s, want about %s", wait, tt.want)
			}
		})
	}
}
