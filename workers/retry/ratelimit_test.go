package retry_test

import (
	"context"
	"encoding/json"
	"fmt"
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
//
// Only what the pause guarantees is asserted, never how fast it travels: a
// call checked against the gate just before a process learned of a pause
// may reach Webex after the 429, however late on a loaded machine. So the
// second message is sent once every process knows of the pause, and what
// must wait is what comes after: the calls made for it, and each retry of a
// refused reply.
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
	// Another user writes while the first pause runs, once every process
	// knows of it: each worker must hold its calls for that message.
	waitfor.Until(t, 10*time.Second, func() (bool, string) {
		for i, g := range h.gates {
			if g.Until(context.Background()).IsZero() {
				return false, fmt.Sprintf("process %d of %d knows of no pause", i+1, len(h.gates))
			}
		}
		return true, ""
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
	var limited []emulator.Call
	for _, c := range calls {
		if c.Status == http.StatusTooManyRequests {
			limited = append(limited, c)
		}
	}
	if len(limited) != 3 {
		t.Fatalf("%d answers 429, want 3", len(limited))
	}
	// A refused reply is sent again only after the pause its 429 began:
	// the stored call waits for the pause, whoever sends it.
	for _, refused := range limited {
		room := roomOf(t, refused)
		for _, c := range h.posts() {
			if roomOf(t, c) != room || !c.At.After(refused.At) {
				continue
			}
			if gap := c.At.Sub(refused.At); gap < pause {
				t.Errorf("a reply to room %s was sent again %s after its 429, before its Retry-After of %s", room, gap.Round(time.Millisecond), pause)
			}
		}
	}
	// The second message arrived during the first pause, after every
	// process knew of it: both workers that handle it made their first
	// call for it only once it ended.
	firstPauseEnd := limited[0].At.Add(pause)
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

// roomOf is the room a POST /messages was addressed to.
func roomOf(t *testing.T, c emulator.Call) string {
	t.Helper()
	var req struct {
		RoomID string `json:"roomId"`
	}
	if err := json.Unmarshal(c.Body, &req); err != nil || req.RoomID == "" {
		t.Fatalf("POST /messages without a roomId: %q", c.Body)
	}
	return req.RoomID
}
