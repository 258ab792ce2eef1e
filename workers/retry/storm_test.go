package retry_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// Webex answers 503 to every reply for ten seconds while users keep
// writing. Every reply is posted once the storm is over, each exactly once:
// the failed calls waited on WEBEX_CALLS, not in the echo worker.
func TestServiceUnavailableStorm(t *testing.T) {
	t.Parallel()
	const storm = 10 * time.Second
	h := newHarness(t, options{})
	h.startEcho()
	h.startRetry(fastRetry())
	h.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 503})
	start := time.Now()
	ended := time.AfterFunc(storm, h.sim.ClearFaults) // the storm lasts ten seconds
	t.Cleanup(func() { ended.Stop() })

	// Users keep writing during the first half of the storm.
	var sent []webex.Message
	pace := time.NewTicker(storm / 16)
	defer pace.Stop()
	for i := range 8 {
		m, err := h.sim.PostAsUser(emulator.UserMessage{PersonEmail: fmt.Sprintf("user%d@example.com", i), Text: fmt.Sprintf("message %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
		<-pace.C
	}
	waitfor.Until(t, storm, func() (bool, string) {
		return h.streamMsgs("WEBEX_CALLS") == uint64(len(sent)), "not every failed reply is stored"
	})
	waitfor.Until(t, 30*time.Second, func() (bool, string) {
		for _, m := range sent {
			if len(h.sim.BotMessages(m.RoomID)) == 0 {
				return false, "a reply is missing"
			}
		}
		return true, ""
	})
	h.settle(2*len(sent), "echo")
	refused := 0
	for _, c := range h.posts() {
		if c.Status == http.StatusServiceUnavailable {
			refused++
			if c.At.Sub(start) > storm+time.Second {
				t.Errorf("a 503 %s after the storm began", c.At.Sub(start))
			}
		}
	}
	for _, m := range sent {
		if n := len(h.sim.BotMessages(m.RoomID)); n != 1 {
			t.Errorf("%q: %d replies, want 1", m.Text, n)
		}
	}
	if refused < 2*len(sent) {
		t.Errorf("only %d POSTs during the storm: the retry worker did not keep trying", refused)
	}
	t.Logf("%d POST /messages refused during the storm, %d accepted", refused, len(h.posts())-refused)
}
