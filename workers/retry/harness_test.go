package retry_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/retry"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// testToken is long and unusual so that finding it anywhere is a leak.
const testToken = "tok-51c0e8aa9d2f4b7e-SECRET"

// harness is the whole path over real HTTP and a real JetStream: the
// emulator delivers webhooks to ingest, which stores them; workers, each
// with a NATS connection of its own as separate processes would have, call
// the emulator through webexcall; the retry worker makes the calls they
// stored.
type harness struct {
	t       *testing.T
	srv     *localnats.Server
	js      jetstream.JetStream
	sim     *emulator.Server
	timeout time.Duration
	log     *syncbuf.Buffer
	retryM  *prometheus.Registry
	gates   []*ratelimit.Gate    // one per process started, in start order
	tracer  trace.TracerProvider // nil: the global one
}

type options struct {
	webexTimeout time.Duration        // default 5s
	tracer       trace.TracerProvider // makes the spans of every component
}

func newHarness(t *testing.T, o options) *harness {
	t.Helper()
	if o.webexTimeout == 0 {
		o.webexTimeout = 5 * time.Second
	}
	srv, nc, js := localnats.StartProvisioned(t)
	h := &harness{t: t, srv: srv, js: js, timeout: o.webexTimeout, log: &syncbuf.Buffer{}, retryM: prometheus.NewRegistry(), tracer: o.tracer}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", h.log.String())
		}
		if strings.Contains(h.log.String(), testToken) {
			t.Error("the token reached the log")
		}
	})

	const secret = "retry-test-secret"
	svc, err := ingest.New(ingest.Config{Secrets: [][]byte{[]byte(secret)}, Logger: h.logger("ingest"), TracerProvider: o.tracer}, nc, js)
	if err != nil {
		t.Fatal(err)
	}
	in := httptest.NewServer(svc.Handler())
	t.Cleanup(in.Close)
	h.sim = emulator.NewTest(t, emulator.Options{Token: testToken})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.api().CreateWebhook(ctx, webex.WebhookRequest{
		Name: "test", TargetURL: in.URL + "/webhooks/webex", Resource: "messages", Event: "created", Secret: secret,
	}); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) api() *webex.Client {
	c, err := webex.New(webex.Config{BaseURL: h.sim.URL(), Token: testToken, Timeout: h.timeout})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) logger(component string) *slog.Logger {
	return slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", component)
}

// process is what one worker process has: its own NATS connection, the
// token's gate and a wrapped client.
type process struct {
	js     jetstream.JetStream
	client *webexcall.Client
}

func (h *harness) process(worker string, withOutbox bool) process {
	h.t.Helper()
	_, js := h.srv.ConnectTest(h.t)
	api := h.api()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gate, err := ratelimit.Open(ctx, js, api.TokenKey(), ratelimit.Options{Worker: worker, Logger: h.logger(worker)})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { gate.Close() })
	h.gates = append(h.gates, gate)
	o := webexcall.Options{Worker: worker, Gate: gate, Logger: h.logger(worker), TracerProvider: h.tracer}
	if withOutbox {
		o.Outbox = outbox.NewStore(js)
	}
	client, err := webexcall.New(api, o)
	if err != nil {
		h.t.Fatal(err)
	}
	return process{js: js, client: client}
}

// run starts a runner and stops it when the test ends.
func (h *harness) run(js jetstream.JetStream, cfg workers.Config, hd workers.Handler) {
	h.t.Helper()
	cfg.Logger = h.logger(cfg.Name)
	cfg.TracerProvider = h.tracer
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
	}
	r, err := workers.New(js, cfg, hd)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Errorf("%s: %v", cfg.Name, err)
			}
		case <-time.After(30 * time.Second):
			h.t.Errorf("%s did not stop", cfg.Name)
		}
	})
	select {
	case <-r.Ready():
	case <-time.After(10 * time.Second):
		h.t.Fatalf("%s not ready", cfg.Name)
	}
}

func fastRuntime(name string) workers.Config {
	cfg := workers.DefaultConfig(name)
	cfg.Backoff = workers.Backoff{Initial: 100 * time.Millisecond, Max: 2 * time.Second, Multiplier: 2}
	cfg.MaxDeliver = 50
	cfg.AckWait = 5 * time.Second
	cfg.DrainTimeout = 5 * time.Second
	return cfg
}

// startEcho runs the echo worker with its calls wrapped.
func (h *harness) startEcho() {
	h.t.Helper()
	p := h.process(echo.Name, true)
	hd, err := echo.New(p.client, echo.Config{RecheckAfter: time.Second, Logger: h.logger("echo")})
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := fastRuntime(echo.Name)
	cfg.Events = echo.Events
	h.run(p.js, cfg, hd)
}

// startProbe runs a second worker type that looks up the author of every
// message: its calls show whether it obeys the pause too.
func (h *harness) startProbe() {
	h.t.Helper()
	p := h.process("probe", true)
	cfg := fastRuntime("probe")
	cfg.Events = echo.Events
	h.run(p.js, cfg, workers.HandlerFunc(func(ctx context.Context, ev *workers.Event) error {
		_, err := p.client.Person(ctx, ev.Envelope.Data.PersonID)
		return err
	}))
}

// startRetry runs the retry worker.
func (h *harness) startRetry(rc retry.Config) {
	h.t.Helper()
	p := h.process(events.RetryWorker, false)
	rc.Logger = h.logger("retry")
	rc.Metrics = h.retryM
	hd, err := retry.NewHandler(p.client, outbox.NewStore(p.js), rc)
	if err != nil {
		h.t.Fatal(err)
	}
	h.run(p.js, retry.RunnerConfig(fastRuntime(events.RetryWorker), rc), hd)
}

// fastRetry is a retry configuration for tests: quick attempts.
func fastRetry() retry.Config {
	c := retry.DefaultConfig()
	c.Policy = retry.Policy{Initial: 200 * time.Millisecond, Multiplier: 2, Randomization: 0.2, MaxInterval: time.Second, MaxElapsed: time.Minute}
	c.RecheckAfter = time.Second
	return c
}

// posts returns the times of the POST /messages the emulator received.
func (h *harness) posts() []emulator.Call {
	var out []emulator.Call
	for _, c := range h.sim.Calls() {
		if c.Method == http.MethodPost && c.Path == "/messages" {
			out = append(out, c)
		}
	}
	return out
}

// settle waits until every webhook was delivered, no Webex call is being
// served, no stored call waits, and the event consumers have nothing
// pending, so that counting after it is final.
func (h *harness) settle(deliveries int, consumers ...string) {
	h.t.Helper()
	waitfor.Until(h.t, 30*time.Second, func() (bool, string) {
		if n := len(h.sim.Deliveries()); n < deliveries {
			return false, fmt.Sprintf("%d of %d webhooks sent", n, deliveries)
		}
		for _, d := range h.sim.Deliveries() {
			if d.Status == 0 && d.Err == "" {
				return false, "a webhook delivery is in flight"
			}
		}
		for _, c := range h.sim.Calls() {
			if c.Status == 0 {
				return false, "a Webex call is being served"
			}
		}
		if n := h.streamMsgs(events.CallsStream); n != 0 {
			return false, fmt.Sprintf("%d stored calls wait", n)
		}
		for _, name := range consumers {
			info := h.consumer(events.EventsStream, name)
			if info == nil || info.NumPending != 0 || info.NumAckPending != 0 {
				return false, "consumer " + name + " busy"
			}
		}
		return true, ""
	})
}

func (h *harness) consumer(stream, name string) *jetstream.ConsumerInfo {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := h.js.Consumer(ctx, stream, name)
	if err != nil {
		return nil
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil
	}
	return info
}

func (h *harness) streamMsgs(name string) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := h.js.Stream(ctx, name)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return info.State.Msgs
}
