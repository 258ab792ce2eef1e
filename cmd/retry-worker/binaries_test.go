package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// TestKilledWhileCallsWait stores failed calls the way a worker does, lets
// the retry-worker binary fail each of them again against a Webex that
// answers 503, kills it with SIGKILL while the calls wait for their next
// attempt, and starts it again once Webex is back: every call is made, each
// exactly once. The waits were in JetStream, not in the dead process.
func TestKilledWhileCallsWait(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := proctest.Build(t, t.TempDir(), ".")
	srv := localnats.StartTest(t)
	_, js := srv.ConnectTest(t)
	localnats.ProvisionTest(t, js, events.DefaultStreamOptions())
	const token = "tok-0e4c7a19b2d85f63-never-log-me"
	sim := emulator.NewTest(t, emulator.Options{Token: token})
	user, err := sim.PostAsUser(emulator.UserMessage{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 503})

	const n = 5
	store := outbox.NewStore(js)
	for i := range n {
		body, _ := json.Marshal(webex.MessageRequest{RoomID: user.RoomID, Markdown: fmt.Sprintf("reply %d", i)})
		c := outbox.New("echo", http.MethodPost, "/messages", body, &outbox.EventRef{Stream: events.EventsStream, Seq: uint64(i + 1), DedupKey: fmt.Sprintf("messages:created:m%d", i)})
		c.Record(outbox.Attempt{At: time.Now(), By: "echo", Outcome: outbox.OutcomeRetryable, Status: 503, Error: "503 Service Unavailable"})
		if _, err := store.Put(testCtx(t), c); err != nil {
			t.Fatal(err)
		}
	}

	env := []string{
		"NATS_URL=" + srv.ClientURL(), "WEBEX_TOKEN=" + token, "WEBEX_API_URL=" + sim.URL(),
		"METRICS_ADDR=127.0.0.1:0", "LOG_LEVEL=debug", "WORKER_ACK_WAIT=2s",
		"RETRY_INITIAL_INTERVAL=1s", "RETRY_MAX_INTERVAL=3s", "RETRY_RANDOMIZATION=0.2", "RETRY_MAX_ELAPSED=5m",
	}
	first := proctest.Start(t, bin, env...)
	first.Await(t, regexp.MustCompile(`msg="worker started"()`))
	// Wait until the retry worker itself failed every call once: each now
	// waits in JetStream for its next attempt.
	waitfor.Until(t, 30*time.Second, func() (bool, string) {
		attempts := 0
		for _, c := range records(t, js) {
			if c.Attempts >= 2 && c.Scheduled {
				attempts++
			}
		}
		return attempts == n, fmt.Sprintf("%d of %d calls tried again by the retry worker", attempts, n)
	})
	first.Kill(t)
	sim.ClearFaults()
	if got := sim.BotMessages(user.RoomID); len(got) != 0 {
		t.Fatalf("%d replies while Webex refused them all", len(got))
	}

	second := proctest.Start(t, bin, env...)
	waitfor.Until(t, 30*time.Second, func() (bool, string) {
		return len(records(t, js)) == 0, "calls still wait"
	})
	got := sim.BotMessages(user.RoomID)
	count := map[string]int{}
	for _, m := range got {
		count[m.Markdown]++
	}
	for i := range n {
		if c := count[fmt.Sprintf("reply %d", i)]; c != 1 {
			t.Errorf("reply %d posted %d times, want once", i, c)
		}
	}
	if sent := strings.Count(second.Output(), `msg="stored call sent"`); sent != n {
		t.Errorf("the restarted worker sent %d calls, want %d", sent, n)
	}
	second.Stop(t)
	for _, p := range []*proctest.Process{first, second} {
		if strings.Contains(p.Output(), token) {
			t.Errorf("%s logged the token", p.Name)
		}
	}
}

// records returns the call records waiting on WEBEX_CALLS.
func records(t *testing.T, js jetstream.JetStream) []*outbox.Call {
	t.Helper()
	s, err := js.Stream(testCtx(t), events.CallsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(testCtx(t), jetstream.WithSubjectFilter(events.CallsFilter))
	if err != nil {
		t.Fatal(err)
	}
	var out []*outbox.Call
	for subj := range info.State.Subjects {
		m, err := s.GetLastMsgForSubject(testCtx(t), subj)
		if err != nil {
			continue // acked between the two reads
		}
		c, err := outbox.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
