package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

const secret = "whsec-8d1f44b2-never-print-me"

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// clock is a settable clock shared by the emulator and the managers.
type clock struct {
	mu sync.Mutex // guards now
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is an emulator, its client and a JetStream with the webhooks bucket.
type env struct {
	sim    *emulator.Server
	client *webex.Client
	js     jetstream.JetStream
	clock  *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := newClock()
	sim := emulator.NewTest(t, emulator.Options{Now: c.Now})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, _, js := localnats.StartProvisioned(t)
	return &env{sim: sim, client: client, js: js, clock: c}
}

// manager opens a manager of e with the shared clock.
func (e *env) manager(t *testing.T, o webhooks.Options) *webhooks.Manager {
	t.Helper()
	if o.Now == nil {
		o.Now = e.clock.Now
	}
	m, err := webhooks.Open(testCtx(t), e.client, e.js, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// create registers a webhook directly, as someone else would.
func (e *env) create(t *testing.T, r webex.WebhookRequest) *webex.Webhook {
	t.Helper()
	if r.Event == "" {
		r.Event = "created"
	}
	h, err := e.client.CreateWebhook(testCtx(t), r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (e *env) hooks(t *testing.T) []webex.Webhook {
	t.Helper()
	hs, err := e.client.Webhooks(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

func (e *env) hook(t *testing.T, id string) webex.Webhook {
	t.Helper()
	for _, h := range e.hooks(t) {
		if h.ID == id {
			return h
		}
	}
	t.Fatalf("webhook %s is gone", id)
	return webex.Webhook{}
}

// failingTarget answers every delivery 500.
func failingTarget(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// okTarget answers every delivery 200.
func okTarget(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(s.Close)
	return s.URL
}

// deliver has a user post n messages and waits for their deliveries.
func (e *env) deliver(t *testing.T, n int) {
	t.Helper()
	before := len(e.sim.Deliveries())
	for range n {
		if _, err := e.sim.PostAsUser(emulator.UserMessage{Text: "ping"}); err != nil {
			t.Fatal(err)
		}
	}
	waitfor.Until(t, 20*time.Second, func() (bool, string) {
		done := len(e.sim.Deliveries()) - before
		return done >= n, fmt.Sprintf("%d of %d deliveries done", done, n)
	})
}

var messages = events.ResourceEvent{Resource: "messages", Event: "created"}
var actions = events.ResourceEvent{Resource: "attachmentActions", Event: "created"}
