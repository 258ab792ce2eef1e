package echo_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webextest"
)

// pipeline is the whole path over real HTTP and a real JetStream: the
// emulator delivers signed webhooks to ingest, ingest stores them, the echo
// worker replies through the emulator's API.
type pipeline struct {
	t      testing.TB
	sim    *webextest.Server
	client *webex.Client
	js     jetstream.JetStream

	mu     sync.Mutex // guards cancel and done
	cancel context.CancelFunc
	done   chan error
}

func startPipeline(t testing.TB) *pipeline {
	t.Helper()
	return startPipelineWith(t, 5*time.Second)
}

// startPipelineWith starts the pipeline with a Webex client timeout.
func startPipelineWith(t testing.TB, webexTimeout time.Duration) *pipeline {
	t.Helper()
	_, nc, js := localnats.StartProvisioned(t)

	const secret = "pipeline-test-secret"
	svc, err := ingest.New(ingest.Config{Secrets: [][]byte{[]byte(secret)}, Logger: testLogger(t)}, nc, js)
	if err != nil {
		t.Fatal(err)
	}
	in := httptest.NewServer(svc.Handler())
	t.Cleanup(in.Close)

	sim := webextest.NewTest(t, webextest.Options{Logger: testLogger(t)})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: webexTimeout})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{
		Name: "test", TargetURL: in.URL + "/webhooks/webex", Resource: "messages", Event: "created", Secret: secret,
	}); err != nil {
		t.Fatal(err)
	}
	p := &pipeline{t: t, sim: sim, client: client, js: js}
	t.Cleanup(p.stopWorker)
	return p
}

// startWorker runs an echo worker until stopWorker.
func (p *pipeline) startWorker() {
	p.t.Helper()
	h, err := echo.New(p.client, echo.Config{Logger: testLogger(p.t), RecheckAfter: time.Second})
	if err != nil {
		p.t.Fatal(err)
	}
	cfg := workers.DefaultConfig(echo.Name)
	cfg.Events = echo.Events
	cfg.Logger = testLogger(p.t)
	cfg.Metrics = prometheus.NewRegistry()
	cfg.Backoff = workers.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2}
	cfg.MaxDeliver = 5
	r, err := workers.New(p.js, cfg, h)
	if err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	p.mu.Lock()
	p.cancel, p.done = cancel, done
	p.mu.Unlock()
	// A new consumer starts at new events: wait until it exists before
	// sending any.
	select {
	case <-r.Ready():
	case <-time.After(10 * time.Second):
		p.t.Fatal("echo worker not ready within 10s")
	}
}

// stopWorker stops the running worker and waits for it to drain.
func (p *pipeline) stopWorker() {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.cancel, p.done = nil, nil
	p.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			p.t.Errorf("worker: %v", err)
		}
	case <-time.After(30 * time.Second):
		p.t.Error("worker did not stop within 30s")
	}
}

// settle waits until the emulator has sent deliveries webhooks, each was
// answered, and the echo consumer has nothing pending or in flight, so
// counting replies after it is final.
func (p *pipeline) settle(deliveries int) {
	p.t.Helper()
	eventually(p.t, 20*time.Second, func() (bool, string) {
		sent := p.sim.Deliveries()
		if len(sent) < deliveries {
			return false, fmt.Sprintf("%d of %d webhooks sent", len(sent), deliveries)
		}
		for _, c := range p.sim.Calls() {
			if c.Status == 0 {
				return false, "a Webex call is still being served"
			}
		}
		for _, d := range sent {
			if d.Status == 0 && d.Err == "" {
				return false, "a webhook delivery is in flight"
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := p.js.Consumer(ctx, events.EventsStream, echo.Name)
		if err != nil {
			return false, err.Error()
		}
		info, err := c.Info(ctx)
		if err != nil {
			return false, err.Error()
		}
		stream, err := p.js.Stream(ctx, events.EventsStream)
		if err != nil {
			return false, err.Error()
		}
		sinfo, err := stream.Info(ctx)
		if err != nil {
			return false, err.Error()
		}
		if info.NumPending != 0 || info.NumAckPending != 0 || info.AckFloor.Stream < sinfo.State.LastSeq {
			return false, fmt.Sprintf("consumer: pending %d, ack pending %d, ack floor %d of %d",
				info.NumPending, info.NumAckPending, info.AckFloor.Stream, sinfo.State.LastSeq)
		}
		return true, ""
	})
}

// replies returns the bot's messages in a room.
func (p *pipeline) replies(roomID string) []webex.Message {
	var out []webex.Message
	for _, m := range p.sim.RoomMessages(roomID) {
		if m.PersonID == p.sim.Bot().ID {
			out = append(out, m)
		}
	}
	return out
}

func TestUserMessageGetsExactlyOneReply(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	sent, err := p.sim.PostAsUser(webextest.UserMessage{Text: "hello pipeline"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		return len(p.replies(sent.RoomID)) > 0, "no reply yet"
	})
	// The reply itself comes back as a webhook (Webex does that); settle
	// waits until that event was handled too.
	p.settle(2)
	replies := p.replies(sent.RoomID)
	if len(replies) != 1 {
		t.Fatalf("got %d replies, want 1", len(replies))
	}
	if md := replies[0].Markdown; !strings.Contains(md, "hello pipeline") || !strings.Contains(md, `"resource": "messages"`) {
		t.Errorf("reply does not echo the text and the webhook:\n%s", md)
	}
	if got := len(p.sim.Deliveries()); got != 2 {
		t.Errorf("emulator sent %d webhooks, want 2 (the user's message and the bot's reply)", got)
	}
}

func TestBotsOwnMessageGetsNoReply(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	user, err := p.sim.PostAsUser(webextest.UserMessage{Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	before := len(p.sim.RoomMessages(user.RoomID))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := p.client.SendMessage(ctx, &webex.MessageRequest{RoomID: user.RoomID, Text: "the bot speaks first"}); err != nil {
		t.Fatal(err)
	}
	p.settle(3)
	if got := len(p.sim.RoomMessages(user.RoomID)); got != before+1 {
		t.Errorf("room has %d messages, want %d: the bot answered itself", got, before+1)
	}
}

func TestDuplicateDeliveryGetsOneReply(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	sent, err := p.sim.PostAsUser(webextest.UserMessage{Text: "said once"})
	if err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	// Webex delivers the same webhook again, byte for byte.
	for i, d := range p.sim.Deliveries() {
		if strings.Contains(string(d.Body), sent.ID) {
			if err := p.sim.Redeliver(i); err != nil {
				t.Fatal(err)
			}
		}
	}
	p.settle(3)
	if n := len(p.replies(sent.RoomID)); n != 1 {
		t.Fatalf("got %d replies after a duplicate delivery, want 1", n)
	}
}

func TestReplayedEventIsNotAnsweredTwice(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	sent, err := p.sim.PostAsUser(webextest.UserMessage{Text: "once only"})
	if err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	// Outside the duplicate window JetStream would store the event again;
	// a copy with a new Nats-Msg-Id but the same dedup key stands for that.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var orig jetstream.RawStreamMsg
	stream, err := p.js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	orig = *m
	msg := nats.NewMsg(orig.Subject)
	msg.Data = orig.Data
	msg.Header = orig.Header
	msg.Header.Set(events.HeaderDedupKey, orig.Header.Get(events.HeaderMsgID))
	msg.Header.Set(events.HeaderMsgID, "copy-"+orig.Header.Get(events.HeaderMsgID))
	if _, err := p.js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	if n := len(p.replies(sent.RoomID)); n != 1 {
		t.Fatalf("got %d replies after a second copy of the event, want 1", n)
	}
}

func TestWorkerRestartedMidStreamLosesAndRepeatsNothing(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	const rooms = 20
	var sent []webex.Message
	for i := 0; i < rooms; i++ {
		m, err := p.sim.PostAsUser(webextest.UserMessage{PersonEmail: fmt.Sprintf("user%d@example.com", i), Text: fmt.Sprintf("message %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
		if i == rooms/4 {
			// Stop the worker while events keep arriving, then start a
			// new one on the same durable consumer.
			eventually(t, 10*time.Second, func() (bool, string) {
				return len(p.replies(sent[0].RoomID)) == 1, "first reply not yet sent"
			})
			p.stopWorker()
		}
		if i == rooms/2 {
			p.startWorker()
		}
	}
	p.settle(2 * rooms)
	for _, m := range sent {
		if n := len(p.replies(m.RoomID)); n != 1 {
			t.Errorf("room of %q: %d replies, want 1", m.Text, n)
		}
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	var why string
	for time.Now().Before(deadline) {
		var ok bool
		if ok, why = cond(); ok {
			return
		}
		time.Sleep(20 * time.Millisecond) // poll interval, bounded by the deadline
	}
	t.Fatalf("not within %s: %s", within, why)
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
