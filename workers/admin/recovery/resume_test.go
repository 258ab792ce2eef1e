package recovery_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/admin/recovery"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// failingAPI fails the message lists from the nth on.
type failingAPI struct {
	*webex.Client
	mu    sync.Mutex // guards calls
	calls int
	from  int
}

var errListing = errors.New("listing failed")

func (f *failingAPI) ListMessages(ctx context.Context, p webex.ListMessagesParams) ([]webex.Message, error) {
	f.mu.Lock()
	f.calls++
	fail := f.calls >= f.from
	f.mu.Unlock()
	if fail {
		return nil, errListing
	}
	return f.Client.ListMessages(ctx, p)
}

// TestRestartResumes: a recovery that fails half way stays recorded; a
// new process (a restarted watchdog) resumes it, skips the room the first
// one finished, and every lost message is stored once in all.
func TestRestartResumes(t *testing.T) {
	clk := &clock{}
	p := pipelinetest.Start(t, pipelinetest.Options{Emulator: emulator.Options{Now: clk.Now}})
	p.Sim.SetDelivery(false)
	start := clk.Now()
	for _, who := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		post(t, p, emulator.UserMessage{PersonEmail: who, Text: "lost"})
	}
	out := webhooks.Outage{WebhookID: "hook", Resource: "messages", Event: "created", From: start, Until: clk.Now().Add(time.Second),
		Cause: webhooks.CauseReactivated}

	reg := prometheus.NewRegistry()
	crashing, err := recovery.Open(testCtx(t), p.JS, &failingAPI{Client: p.Client, from: 2}, recovery.Options{Metrics: reg, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := crashing.Record(testCtx(t), out); err != nil {
		t.Fatal(err)
	}
	if err := crashing.Run(testCtx(t)); !errors.Is(err, errListing) {
		t.Fatalf("Run = %v, want the listing's failure", err)
	}
	if v := metricstest.Value(t, reg, "webexpipe_recovery_failures_total", nil); v != 1 {
		t.Errorf("failures %v, want 1", v)
	}
	if v := metricstest.Value(t, reg, "webexpipe_recovery_pending", nil); v != 1 {
		t.Errorf("pending %v after the failure, want 1", v)
	}

	var res []recovery.Result
	restarted, err := recovery.Open(testCtx(t), p.JS, p.Client, recovery.Options{Now: clk.Now,
		OnFinish: func(r recovery.Result) { res = append(res, r) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := restarted.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Done != 1 || res[0].Rooms != 2 || res[0].Stored != 2 || res[0].Gap.Stored != 3 {
		t.Fatalf("resumed recovery %+v, want the first room skipped and two more stored, three in all", res)
	}
	sum, err := backfill.Run(testCtx(t), p.JS, p.Client, backfill.Options{Since: start.Add(-time.Minute), DryRun: true})
	if err != nil || sum.Missing != 0 || sum.Seen != 3 {
		t.Errorf("after the resumed recovery a backfill finds %+v (%v)", sum, err)
	}
	if n := storedEvents(t, p); n != 3 {
		t.Errorf("%d message events stored, want 3", n)
	}
}

// storedEvents counts the message events in the stream.
func storedEvents(t *testing.T, p *pipelinetest.Pipeline) int {
	t.Helper()
	s, err := p.JS.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(testCtx(t), jetstream.WithSubjectFilter(events.EventFilter("messages", "created")))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

// TestUnrecoverableOutage: Webex lists no card submissions, so an outage
// of the attachmentActions webhook is logged and counted, and nothing is
// recorded for it; an outage of a webhook for every resource recovers the
// messages and says the rest is lost.
func TestUnrecoverableOutage(t *testing.T) {
	p := pipelinetest.Start(t, pipelinetest.Options{})
	var logs syncbuf.Buffer
	reg := prometheus.NewRegistry()
	var res []recovery.Result
	rec, err := recovery.Open(testCtx(t), p.JS, p.Client, recovery.Options{Metrics: reg, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		OnFinish: func(r recovery.Result) { res = append(res, r) }})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, out := range []webhooks.Outage{
		{WebhookID: "cards", Resource: "attachmentActions", Event: "created", From: now.Add(-time.Minute), Until: now},
		{WebhookID: "firehose", Resource: "all", Event: "all", From: now.Add(-time.Minute), Until: now},
	} {
		if err := rec.Record(testCtx(t), out); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Gap.WebhookID != "firehose" {
		t.Errorf("recoveries %+v, want the firehose's messages only", res)
	}
	for _, resource := range []string{"attachmentActions", "all"} {
		if v := metricstest.Value(t, reg, "webexpipe_recovery_unrecoverable_total", map[string]string{"resource": resource}); v != 1 {
			t.Errorf("unrecoverable %s counted %v, want 1", resource, v)
		}
	}
	for _, want := range []string{"events of attachmentActions/created delivered while the webhook was disabled are lost",
		"events of all/all (all but new messages)"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
