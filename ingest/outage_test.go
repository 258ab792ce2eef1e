package ingest_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// TestReadyzAndStreamDeleted: readiness follows the stream, is cached for a
// second, and a delivery with no stream to take it gets 503.
func TestReadyzAndStreamDeleted(t *testing.T) {
	e := newEnv(t, func(c *ingest.Config) { c.PublishTimeout = time.Second })
	if r := e.get(t, "/readyz"); r.status != 200 || r.str("status") != "ready" {
		t.Fatalf("readyz %d %v, want 200 ready", r.status, r.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.js.DeleteStream(ctx, events.EventsStream); err != nil {
		t.Fatalf("delete stream: %v", err)
	}

	if r := e.get(t, "/readyz"); r.status != 200 {
		t.Errorf("readyz %d within the cache second, want the cached 200", r.status)
	}
	e.clock.Advance(2 * time.Second)
	r := e.get(t, "/readyz")
	if r.status != 503 || !strings.Contains(r.str("error"), "WEBEX_EVENTS not found") {
		t.Errorf("readyz %d %v, want 503 stream not found", r.status, r.body)
	}

	body := webhook("messages", "created", "no-stream", "room-1")
	r = e.post(t, body, signedHeaders(body))
	assertNotStored(t, r)
	if got := e.outcomes(t)["unavailable"]; got != 1 {
		t.Errorf("unavailable = %v, want 1", got)
	}
	if got := metricstest.ByLabel(t, e.reg, "webexpipe_ingest_publish_errors_total", "kind"); got["no_responders"] != 1 {
		t.Errorf("publish errors %v, want no_responders 1", got)
	}

	if err := events.Provision(ctx, e.js, events.DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Second)
	if r := e.get(t, "/readyz"); r.status != 200 {
		t.Errorf("readyz %d after the stream came back, want 200", r.status)
	}
	if n := e.stored(t); n != 0 {
		t.Errorf("stream holds %d messages, want 0", n)
	}
}

// TestNATSDown: with the server gone, deliveries get 503 within the
// publish timeout, readyz says why, healthz stays 200; once the server is
// back, deliveries are stored again.
func TestNATSDown(t *testing.T) {
	dir := t.TempDir()
	srv, err := localnats.Start(localnats.Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	e := newEnvOn(t, srv, func(c *ingest.Config) { c.PublishTimeout = 300 * time.Millisecond })
	if r := e.get(t, "/readyz"); r.status != 200 {
		t.Fatalf("readyz %d before the outage", r.status)
	}
	port := srv.Port()
	srv.Shutdown()

	body := webhook("messages", "created", "outage-1", "room-1")
	start := time.Now()
	r := e.post(t, body, signedHeaders(body))
	assertNotStored(t, r)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("503 took %s, want about the publish timeout", took)
	}
	waitfor.True(t, 5*time.Second, "readyz 503 NATS not connected", func() bool {
		e.clock.Advance(2 * time.Second)
		r := e.get(t, "/readyz")
		return r.status == 503 && r.str("error") == "NATS not connected"
	})
	if r := e.get(t, "/healthz"); r.status != 200 {
		t.Errorf("healthz %d during the outage, want 200", r.status)
	}

	srv, err = localnats.Start(localnats.Config{StoreDir: dir, Port: port})
	if err != nil {
		t.Fatalf("restart nats: %v", err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	waitfor.True(t, 10*time.Second, "readyz 200 after NATS came back", func() bool {
		e.clock.Advance(2 * time.Second)
		return e.get(t, "/readyz").status == 200
	})
	// The refused delivery may still have been flushed from the client's
	// reconnect buffer: a 503 promises nothing either way. Sent again, it
	// is stored exactly once.
	if r := e.post(t, body, signedHeaders(body)); r.status != 200 {
		t.Errorf("status %d on resending after recovery, want 200 (body %v)", r.status, r.body)
	}
	body = webhook("messages", "created", "after-outage", "room-1")
	if r := e.post(t, body, signedHeaders(body)); r.status != 200 || r.body["duplicate"] != false {
		t.Errorf("answer %d %v after recovery, want 200 stored", r.status, r.body)
	}
	if n := e.stored(t); n != 2 {
		t.Errorf("stream holds %d messages, want 2", n)
	}
}

func assertNotStored(t *testing.T, r reply) {
	t.Helper()
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 (body %v)", r.status, r.body)
	}
	if r.header.Get("Retry-After") != "3" {
		t.Errorf("Retry-After %q, want 3", r.header.Get("Retry-After"))
	}
	if got := r.str("error"); !strings.HasPrefix(got, "event not stored: ") {
		t.Errorf("reason %q, want it to start with event not stored", got)
	}
	if _, ok := r.body["stream_seq"]; ok {
		t.Errorf("a 503 carries a stream_seq: %v", r.body)
	}
}

// TestClientGoneEndsPublish: the wait for the PubAck is bounded by the
// request too, so a client that gives up does not hold a handler for the
// whole publish timeout.
func TestClientGoneEndsPublish(t *testing.T) {
	e := newEnv(t, func(c *ingest.Config) { c.PublishTimeout = time.Minute })
	e.nats.Shutdown()

	body := webhook("messages", "created", "client-gone", "room-1")
	req, err := http.NewRequest(http.MethodPost, e.url+ingest.DefaultPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = signedHeaders(body)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answer %d while NATS is down and the publish timeout is a minute", resp.StatusCode)
	}
	waitfor.True(t, 5*time.Second, "publish ended as canceled", func() bool {
		return metricstest.ByLabel(t, e.reg, "webexpipe_ingest_publish_errors_total", "kind")["canceled"] == 1
	})
}
