// Package pipelinetest runs the whole webexpipe path inside a test, over
// real HTTP and a real JetStream: the Webex emulator delivers signed
// webhooks to ingest on httptest, ingest stores them in an embedded
// JetStream server, and worker runners consume them and call the emulator's
// API. Worker packages use it for their end-to-end tests, so each of them
// tests the real thing and none keeps its own copy of the harness.
package pipelinetest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/backlog"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// Options shape a Pipeline. The zero value is usable.
type Options struct {
	// Webhooks are registered on the emulator, pointing at ingest, one per
	// resource/event; nil means messages/created.
	Webhooks []events.ResourceEvent
	// WebexTimeout bounds one call of Client; 0 means 5s.
	WebexTimeout time.Duration
	// Emulator configures the emulator; its Logger defaults to the test's.
	Emulator emulator.Options
	// Shards splits the events over that many streams (EVENTS_SHARDS)
	// over the default partitions; 0 or 1 keeps them in WEBEX_EVENTS.
	Shards int
}

// secret signs the emulator's webhooks and is checked by ingest.
const secret = "pipelinetest-secret"

// Pipeline is a running pipeline. Start workers on it with StartWorker; they
// are stopped when the test ends.
type Pipeline struct {
	T      testing.TB
	Sim    *emulator.Server
	Client *webex.Client // the bot's client of Sim
	JS     jetstream.JetStream
	// IngestURL is where the webhooks point.
	IngestURL string
	// Sharding is how the events are split over streams; WorkerConfig
	// gives it to the workers.
	Sharding events.Sharding

	mu      sync.Mutex         // guards workers and started
	workers map[string]*worker // running, by worker type (<worker>@<bot> for a bot's)
	started []backlog.Consumer // the consumers of every worker type started, in order: they settle
}

// worker is one running runner.
type worker struct {
	cancel context.CancelFunc
	done   chan error
}

// Start starts JetStream, ingest and the emulator, and registers the
// webhooks. Everything stops when the test ends.
func Start(tb testing.TB, o Options) *Pipeline {
	tb.Helper()
	sh := events.Sharding{Shards: max(o.Shards, events.DefaultShards), Partitions: events.DefaultPartitions}
	srv := localnats.StartTest(tb)
	nc, js := srv.ConnectTest(tb)
	so := events.DefaultStreamOptions()
	so.Storage = jetstream.MemoryStorage
	so.Sharding = sh
	localnats.ProvisionTest(tb, js, so)
	svc, err := ingest.New(ingest.Config{Secrets: [][]byte{[]byte(secret)}, Partitions: sh.Partitions, Shards: sh.Shards, Logger: Logger(tb)}, nc, js)
	if err != nil {
		tb.Fatal(err)
	}
	in := httptest.NewServer(svc.Handler())
	tb.Cleanup(in.Close)
	if o.Emulator.Logger == nil {
		o.Emulator.Logger = Logger(tb)
	}
	sim := emulator.NewTest(tb, o.Emulator)
	if o.WebexTimeout == 0 {
		o.WebexTimeout = 5 * time.Second
	}
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: o.WebexTimeout})
	if err != nil {
		tb.Fatal(err)
	}
	if o.Webhooks == nil {
		o.Webhooks = []events.ResourceEvent{{Resource: "messages", Event: "created"}}
	}
	p := &Pipeline{T: tb, Sim: sim, Client: client, JS: js, IngestURL: in.URL + "/webhooks/webex", Sharding: sh, workers: map[string]*worker{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, re := range o.Webhooks {
		if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{
			Name: "test " + re.Resource, TargetURL: p.IngestURL, Resource: re.Resource, Event: re.Event, Secret: secret,
		}); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(p.StopAll)
	return p
}

// WorkerConfig is a runner configuration for tests: the worker's events,
// the pipeline's shards, a fast backoff (100ms to 1s), five deliveries, the
// test's logger and a registry of its own.
func (p *Pipeline) WorkerConfig(name string, evs []events.ResourceEvent) workers.Config {
	cfg := workers.DefaultConfig(name)
	cfg.Events = evs
	cfg.Shards = p.Sharding.Shards
	cfg.Partitions = p.Sharding.Partitions
	cfg.Logger = Logger(p.T)
	cfg.Metrics = prometheus.NewRegistry()
	cfg.Backoff = workers.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2}
	cfg.MaxDeliver = 5
	return cfg
}

// StartWorker runs a worker until StopWorker or the end of the test, and
// returns once its consumer exists: a new consumer starts at new events, so
// nothing may be sent before.
func (p *Pipeline) StartWorker(cfg workers.Config, h workers.Handler) {
	p.T.Helper()
	r, err := workers.New(p.JS, cfg, h)
	if err != nil {
		p.T.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{cancel: cancel, done: make(chan error, 1)}
	go func() { w.done <- r.Run(ctx) }()
	p.mu.Lock()
	p.workers[events.BotConsumerName(cfg.Name, cfg.Bot)] = w
	for _, c := range backlog.SourceOf(cfg).Consumers {
		if !slices.Contains(p.started, c) {
			p.started = append(p.started, c)
		}
	}
	p.mu.Unlock()
	select {
	case <-r.Ready():
	case err := <-w.done:
		p.T.Fatalf("worker %s stopped before it was ready: %v", cfg.Name, err)
	case <-time.After(10 * time.Second):
		p.T.Fatalf("worker %s not ready within 10s", cfg.Name)
	}
}

// StopWorker stops a running worker and waits for it to drain. name is
// the worker type, or for a bot's runner <worker>@<bot>
// (events.BotConsumerName).
func (p *Pipeline) StopWorker(name string) {
	p.mu.Lock()
	w := p.workers[name]
	delete(p.workers, name)
	p.mu.Unlock()
	if w == nil {
		return
	}
	w.cancel()
	select {
	case err := <-w.done:
		if err != nil {
			p.T.Errorf("worker %s: %v", name, err)
		}
	case <-time.After(30 * time.Second):
		p.T.Errorf("worker %s did not stop within 30s", name)
	}
}

// StopAll stops every running worker.
func (p *Pipeline) StopAll() {
	p.mu.Lock()
	var names []string
	for n := range p.workers {
		names = append(names, n)
	}
	p.mu.Unlock()
	for _, n := range names {
		p.StopWorker(n)
	}
}

// BotMessages returns the bot's messages in a room, oldest first.
func (p *Pipeline) BotMessages(roomID string) []webex.Message {
	var out []webex.Message
	for _, m := range p.Sim.RoomMessages(roomID) {
		if m.PersonID == p.Sim.Bot().ID {
			out = append(out, m)
		}
	}
	return out
}

// Logger logs warnings and errors to the test's log.
func Logger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
