package webexcall_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// testToken is long and unusual so that finding it anywhere is a leak.
const testToken = "tok-7d1e0b9c55aa42f3-SECRET"

// env is an emulator and a JetStream with a wrapped client for one worker.
type env struct {
	sim    *emulator.Server
	js     jetstream.JetStream
	api    *webex.Client
	client *webexcall.Client
	gate   *ratelimit.Gate
	reg    *prometheus.Registry
	log    *syncbuf.Buffer
}

func newEnv(t *testing.T, timeout time.Duration, maxPause time.Duration) *env {
	t.Helper()
	_, _, js := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{Token: testToken})
	api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: testToken, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{sim: sim, js: js, api: api, reg: prometheus.NewRegistry(), log: &syncbuf.Buffer{}}
	logger := slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.gate, err = ratelimit.Open(testCtx(t), js, api.TokenKey(), ratelimit.Options{Worker: "echo", MaxPause: maxPause, Metrics: e.reg, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.gate.Close() })
	e.client, err = webexcall.New(api, webexcall.Options{Worker: "echo", Gate: e.gate, Outbox: outbox.NewStore(js), Metrics: e.reg, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", e.log.String())
		}
		if strings.Contains(e.log.String(), testToken) {
			t.Error("the token reached the log")
		}
	})
	return e
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// handlerCtx is the context of a handler handling a messages/created event.
func handlerCtx(t *testing.T, delivered uint64) context.Context {
	t.Helper()
	return workers.ContextWithEvent(testCtx(t), &workers.Event{
		Stream: events.EventsStream, StreamSeq: 42, Subject: "webex.events.messages.created.3",
		DedupKey: "messages:created:m-1", Delivered: delivered,
	})
}

// storedCalls returns the call records waiting on WEBEX_CALLS.
func (e *env) storedCalls(t *testing.T) []*outbox.Call {
	t.Helper()
	s, err := e.js.Stream(testCtx(t), events.CallsStream)
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
			t.Fatal(err)
		}
		if strings.Contains(string(m.Data), testToken) {
			t.Error("a stored call holds the token")
		}
		c, err := outbox.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// calls counts the emulator's calls with method and path.
func (e *env) calls(method, path string) int {
	n := 0
	for _, c := range e.sim.Calls() {
		if c.Method == method && c.Path == path {
			n++
		}
	}
	return n
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
