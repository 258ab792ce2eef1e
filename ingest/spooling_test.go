package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// forwarding runs svc's spool forwarder until the test ends, then closes
// the service.
func forwarding(t *testing.T, svc *ingest.Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Forward(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Forward: %v", err)
		}
		svc.Close()
	})
}

// storedIDs lists data.id of every stored event, in stream order.
func (e *testEnv) storedIDs(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for seq := uint64(1); seq <= e.stored(t)+10; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		env, err := events.Decode(m.Data)
		if err != nil {
			t.Fatalf("stored event %d does not decode: %v", seq, err)
		}
		ids = append(ids, env.Data.ID)
	}
	return ids
}

// TestSpoolWhileNATSDown: with JetStream gone, deliveries are answered 200
// "spooled" once on disk, readiness says degraded, and when JetStream is
// back the spool drains in order, each event stored once.
func TestSpoolWhileNATSDown(t *testing.T) {
	dir := t.TempDir()
	srv, err := localnats.Start(localnats.Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	e := newEnvOn(t, srv, func(c *ingest.Config) {
		c.PublishTimeout = 300 * time.Millisecond
		c.SpoolDir = t.TempDir()
	})
	forwarding(t, e.svc)
	port := srv.Port()
	srv.Shutdown()

	var want []string
	for i := range 5 {
		id := fmt.Sprintf("spooled-%d", i)
		want = append(want, id)
		body := webhook("messages", "created", id, fmt.Sprintf("room-%d", i%2))
		r := e.post(t, body, signedHeaders(body))
		if r.status != 200 || r.str("status") != "spooled" {
			t.Fatalf("delivery %d: %d %v, want 200 spooled", i, r.status, r.body)
		}
		if _, ok := r.body["stream_seq"]; ok {
			t.Errorf("a spooled answer claims a stream_seq: %v", r.body)
		}
	}
	if got := e.outcomes(t)["spooled"]; got != 5 {
		t.Errorf("spooled outcomes = %v, want 5", got)
	}
	waitfor.True(t, 5*time.Second, "readyz degraded with 5 spooled", func() bool {
		e.clock.Advance(2 * time.Second)
		r := e.get(t, "/readyz")
		spool, _ := r.body["spool"].(map[string]any)
		return r.status == 200 && r.str("status") == "degraded" && spool["records"] == float64(5)
	})

	srv, err = localnats.Start(localnats.Config{StoreDir: dir, Port: port})
	if err != nil {
		t.Fatalf("restart nats: %v", err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	waitfor.True(t, 15*time.Second, "the spool drained into the stream", func() bool {
		return e.stored(t) == 5
	})
	if got := e.storedIDs(t); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("stored in order %v, want %v", got, want)
	}
	e.clock.Advance(2 * time.Second)
	waitfor.True(t, 5*time.Second, "spool empty and readyz ready", func() bool {
		e.clock.Advance(2 * time.Second)
		r := e.get(t, "/readyz")
		spool, _ := r.body["spool"].(map[string]any)
		return r.str("status") == "ready" && spool["records"] == float64(0)
	})
	body := webhook("messages", "created", "after", "room-1")
	if r := e.post(t, body, signedHeaders(body)); r.str("status") != "stored" {
		t.Errorf("after draining: %v, want stored straight away", r.body)
	}
}

// TestSpoolSurvivesRestart: deliveries spooled by one ingest process are
// forwarded by the next one started on the same spool directory.
func TestSpoolSurvivesRestart(t *testing.T) {
	spoolDir := t.TempDir()
	e := newEnv(t, func(c *ingest.Config) {
		c.PublishTimeout = 300 * time.Millisecond
		c.SpoolDir = spoolDir
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// No stream: every publish fails, the spool takes the deliveries.
	if err := e.js.DeleteStream(ctx, events.EventsStream); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		body := webhook("messages", "created", fmt.Sprintf("kept-%d", i), "room-1")
		if r := e.post(t, body, signedHeaders(body)); r.str("status") != "spooled" {
			t.Fatalf("delivery %d: %d %v, want spooled", i, r.status, r.body)
		}
	}
	// The first process stops without forwarding anything.
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}

	if err := events.Provision(ctx, e.js, events.DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	cfg := e.cfg
	cfg.Metrics = prometheus.NewRegistry()
	next, err := ingest.New(cfg, e.nc, e.js)
	if err != nil {
		t.Fatal(err)
	}
	forwarding(t, next)
	waitfor.True(t, 10*time.Second, "the next process forwarded the spool", func() bool { return e.stored(t) == 3 })
	if got := e.storedIDs(t); strings.Join(got, ",") != "kept-0,kept-1,kept-2" {
		t.Errorf("stored %v", got)
	}
}

// TestSpoolFull: a full spool answers 503 like no spool at all.
func TestSpoolFull(t *testing.T) {
	e := newEnv(t, func(c *ingest.Config) {
		c.PublishTimeout = 200 * time.Millisecond
		c.SpoolDir = t.TempDir()
		c.SpoolMaxBytes = 1200 // room for about two deliveries
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.js.DeleteStream(ctx, events.EventsStream); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for i := range 4 {
		body := webhook("messages", "created", fmt.Sprintf("full-%d", i), "room-1")
		r := e.post(t, body, signedHeaders(body))
		statuses = append(statuses, fmt.Sprint(r.status, r.str("status")))
		if r.status == 503 {
			assertNotStored(t, r)
		}
	}
	if statuses[0] != "200spooled" || statuses[3] != "503" {
		t.Errorf("answers %v: want spooled first and 503 once full", statuses)
	}
	e.svc.Close()
}
