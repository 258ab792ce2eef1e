package recovery_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/admin/recovery"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// TestRecoveryAfterDisabledWebhook runs the whole way: the emulator
// delivers to ingest, the echo worker answers, and the webhook watchdog
// runs as shipped with a Recoverer. The messages webhook is disabled;
// messages sent meanwhile reach nobody; the watchdog waits out the
// five-minute rule, re-activates the webhook and hands the outage to the
// recovery, which stores the lost messages: each is answered exactly once.
// Recovering the same outage again lists no room and stores nothing.
func TestRecoveryAfterDisabledWebhook(t *testing.T) {
	clk := &clock{}
	p := pipelinetest.Start(t, pipelinetest.Options{Emulator: emulator.Options{Now: clk.Now}})
	h, err := echo.New(p.Client, echo.Config{Logger: pipelinetest.Logger(t), RecheckAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(echo.Name, echo.Events), h)
	api := &countingAPI{Client: p.Client}

	reg := prometheus.NewRegistry()
	finished := make(chan recovery.Result, 10)
	rec, err := recovery.Open(testCtx(t), p.JS, api, recovery.Options{
		Metrics: reg, Logger: pipelinetest.Logger(t), Now: clk.Now,
		OnFinish: func(r recovery.Result) { finished <- r },
	})
	if err != nil {
		t.Fatal(err)
	}
	// pipelinetest names its webhook "test messages": prefix "test".
	m, err := webhooks.Open(testCtx(t), p.Client, p.JS, webhooks.Options{NamePrefix: "test", Now: clk.Now, Logger: pipelinetest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	rounds := make(chan *webhooks.Report, 1000)
	watchCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.Watch(watchCtx, webhooks.WatchOptions{Interval: 50 * time.Millisecond, Recovery: rec, Metrics: prometheus.NewRegistry(),
			OnRound: func(r *webhooks.Report, err error) {
				if err == nil {
					rounds <- r
				}
			}})
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Watch = %v", err)
		}
	})
	awaitRound := func(want webhooks.Kind) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case r := <-rounds:
				if len(r.Actions) == 1 && r.Actions[0].Kind == want {
					return
				}
			case <-timeout:
				t.Fatalf("no watchdog round with %s within 20s", want)
			}
		}
	}

	arrived, err := p.Sim.PostAsUser(emulator.UserMessage{PersonEmail: "on-time@example.com", Text: "arrived"})
	if err != nil {
		t.Fatal(err)
	}
	p.Settle(2)

	hook := onlyWebhook(t, p.Client)
	if _, err := p.Client.UpdateWebhook(testCtx(t), hook.ID, webex.WebhookUpdate{Name: hook.Name, TargetURL: hook.TargetURL, Status: "disabled"}); err != nil {
		t.Fatal(err)
	}
	awaitRound(webhooks.KindWaiting) // first seen disabled: the outage begins
	deliveries := len(p.Sim.Deliveries())
	var lost []string // rooms of the lost messages
	for _, um := range []emulator.UserMessage{
		{PersonEmail: "a@example.com", Text: "lost one"},
		{PersonEmail: "b@example.com", Text: "lost two"},
		{PersonEmail: "a@example.com", Text: "lost three"},
		{RoomID: "space", RoomType: "group", PersonEmail: "c@example.com", Text: "lost four", MentionBot: true},
	} {
		msg, err := p.Sim.PostAsUser(um)
		if err != nil {
			t.Fatal(err)
		}
		lost = append(lost, msg.RoomID)
	}
	awaitRound(webhooks.KindWaiting)
	if n := len(p.Sim.Deliveries()); n != deliveries {
		t.Fatalf("%d webhooks delivered while the webhook was disabled", n-deliveries)
	}
	for _, room := range lost {
		if n := len(p.BotMessages(room)); n != 0 {
			t.Fatalf("room %s answered before the recovery", room)
		}
	}

	clk.Advance(5 * time.Minute) // the five-minute rule
	var first recovery.Result
	select {
	case first = <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("no recovery within 30s of the re-activation")
	}
	if first.Stored != 4 || first.Seen != 1 || first.Cut != "" || first.Gap.Cause != webhooks.CauseReactivated {
		t.Fatalf("recovery %+v, want 4 stored and the message that arrived seen", first)
	}
	if got := onlyWebhook(t, p.Client); got.Status != "active" {
		t.Fatalf("webhook %s after the recovery", got.Status)
	}
	replies := map[string]int{"lost one": 0, "lost two": 0, "lost three": 0, "lost four": 0, "arrived": 0}
	waitfor.Until(t, 20*time.Second, func() (bool, string) {
		for text := range replies {
			replies[text] = 0
		}
		for _, room := range uniq(lost, arrived.RoomID) {
			for _, m := range p.BotMessages(room) {
				for text := range replies {
					if containsText(m, text) {
						replies[text]++
					}
				}
			}
		}
		for text, n := range replies {
			if n == 0 {
				return false, fmt.Sprintf("no reply to %q yet: %v", text, replies)
			}
		}
		return true, ""
	})
	p.Settle(0)
	for text, n := range replies {
		if n != 1 {
			t.Errorf("%d replies to %q, want 1", n, text)
		}
	}
	for name, want := range map[string]float64{
		"webexpipe_recovery_messages_recovered_total": 4,
		"webexpipe_recovery_pending":                  0,
	} {
		if v := metricstest.Value(t, reg, name, nil); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
	if v := metricstest.Value(t, reg, "webexpipe_recovery_started_total", map[string]string{"cause": webhooks.CauseReactivated}); v != 1 {
		t.Errorf("recoveries started %v, want 1", v)
	}
	if v := metricstest.Value(t, reg, "webexpipe_recovery_finished_total", map[string]string{"result": "complete"}); v != 1 {
		t.Errorf("recoveries complete %v, want 1", v)
	}

	t.Run("recovering the outage again adds nothing", func(t *testing.T) {
		before := api.listed()
		deliveries := len(p.Sim.Deliveries())
		if err := rec.Record(testCtx(t), webhooks.Outage{WebhookID: hook.ID, Resource: "messages", Event: "created",
			From: first.Gap.From.Add(10 * time.Minute), Until: first.Gap.To, Cause: webhooks.CauseFoundActive}); err != nil {
			t.Fatal(err)
		}
		var again recovery.Result
		select {
		case again = <-finished: // the watchdog's next round ran it
		case <-time.After(30 * time.Second):
			t.Fatal("the outage recorded again was not recovered within 30s")
		}
		// The cursors say every room is done: none is listed again.
		if again.Stored != 0 || again.Rooms != 0 || again.Done == 0 || api.listed() != before {
			t.Errorf("second recovery %+v, %d message lists", again, api.listed()-before)
		}
		p.Settle(deliveries)
		sum, err := backfill.Run(testCtx(t), p.JS, p.Client, backfill.Options{Since: first.Gap.From, DryRun: true})
		if err != nil || sum.Missing != 0 {
			t.Errorf("a backfill of the window afterwards finds %d missing (%v)", sum.Missing, err)
		}
		total := 0
		for _, room := range uniq(lost, arrived.RoomID) {
			total += len(p.BotMessages(room))
		}
		if total != 5 {
			t.Errorf("%d replies in all after the second recovery, want 5", total)
		}
	})
}

// countingAPI counts the message lists a recovery asks for.
type countingAPI struct {
	*webex.Client
	mu    sync.Mutex // guards lists
	lists int
}

func (c *countingAPI) ListMessages(ctx context.Context, p webex.ListMessagesParams) ([]webex.Message, error) {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.Client.ListMessages(ctx, p)
}

func (c *countingAPI) listed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lists
}

// containsText reports whether a reply quotes text.
func containsText(reply webex.Message, text string) bool {
	return strings.Contains(reply.Markdown, text) || strings.Contains(reply.Text, text)
}

// uniq returns the rooms of ss and more, each once.
func uniq(ss []string, more ...string) []string {
	out := append(slices.Clone(ss), more...)
	slices.Sort(out)
	return slices.Compact(out)
}

func onlyWebhook(t *testing.T, c *webex.Client) webex.Webhook {
	t.Helper()
	hs, err := c.Webhooks(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 {
		t.Fatalf("%d webhooks, want 1", len(hs))
	}
	return hs[0]
}
