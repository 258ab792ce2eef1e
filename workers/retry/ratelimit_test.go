package retry_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// Webex answers the reply's POST with 429 and Retry-After: 2, three times.
// The user still gets exactly one reply; no call of any worker reaches
// Webex during a pause, however many workers there are: the echo worker, a
// second worker type and the retry worker, each with a connection of its
// own, as separate processes.
func TestRateLimitPausesEveryWorker(t *testing.T) {
	t.Parallel()
	h := newHarness(t, options{})
	h.startEcho()
	h.startProbe()
	h.startRetry(fastRetry())
	const pause = 2 * time.Second
	h.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 429, RetryAfter: "2", Times: 3})

	first, err := h.sim.PostAsUser(emulator.UserMessage{Text: "slow down"})
	if err != nil {
		t.Fatal(err)
	}
	// While the first pause runs, another user writes: the workers must
	// hold their calls for it too.
	waitfor.Until(t, 10*time.Second, func() (bool, string) {
		for _, c := range h.posts() {
			if c.Status == http.StatusTooManyRequests {
				return true, ""
			}
		}
		return false, "no 429 yet"
	})
	second, err := h.sim.PostAsUser(emulator.UserMessage{PersonEmail: "other@example.com", Text: "me too"})
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Until(t, 30*time.Second, func() (bool, string) {
		return len(h.sim.BotMessages(first.RoomID)) == 1 && len(h.sim.BotMessages(second.RoomID)) == 1, "replies missing"
	})
	// Two user messages and two replies come back as webhooks.
	h.settle(4, "echo", "probe")

	for name, room := range map[string]string{"first": first.RoomID, "second": second.RoomID} {
		if n := len(h.sim.BotMessages(room)); n != 1 {
			t.Errorf("%s message: %d replies, want 1", name, n)
		}
	}
	calls := h.sim.Calls()
	var limited []time.Time
	for _, c := range calls {
		if c.Status == http.StatusTooManyRequests {
			limited = append(limited, c.At)
		}
	}
	if len(limited) != 3 {
		t.Fatalf("%d answers 429, want 3", len(limited))
	}
	// A call sent just before a 429 came back may arrive just after it.
	const inFlight = 100 * time.Millisecond
	held := map[string]int{}
	for _, at := range limited {
		for _, c := range calls {
			if d := c.At.Sub(at); d > inFlight && d < pause {
				t.Errorf("%s %s arrived %s after a 429, inside the %s pause", c.Method, c.Path, d.Round(time.Millisecond), pause)
			}
			if d := c.At.Sub(at); d >= pause && d < pause+time.Second {
				held[c.Method+" "+c.Path]++
			}
		}
	}
	// Each attempt of a refused reply comes after the pause its 429 began.
	posts := h.posts()
	for i := 1; i < len(posts); i++ {
		if posts[i-1].Status == http.StatusTooManyRequests {
			if gap := posts[i].At.Sub(posts[i-1].At); gap > inFlight && gap < pause {
				t.Errorf("POST %d came %s after a 429, before its Retry-After", i+1, gap)
			}
		}
	}
	// The second message arrived during the first pause: both workers
	// that handle it made their first call for it only once it ended.
	firstPauseEnd := limited[0].Add(pause)
	for what, path := range map[string]string{
		"echo's fetch of the message":   "/messages/" + second.ID,
		"probe's look-up of its author": "/people/" + second.PersonID,
	} {
		var at time.Time
		for _, c := range calls {
			if c.Method == http.MethodGet && c.Path == path {
				at = c.At
				break
			}
		}
		switch {
		case at.IsZero():
			t.Errorf("%s never happened", what)
		case at.Before(firstPauseEnd):
			t.Errorf("%s came %s before the pause ended", what, firstPauseEnd.Sub(at))
		}
	}
}
