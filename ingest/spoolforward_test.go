package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// spoolWithoutStream removes the events stream and posts one delivery per
// id; each is answered "spooled". It returns the spool directory.
func spoolWithoutStream(t *testing.T, e *testEnv, bodies [][]byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.js.DeleteStream(ctx, events.EventsStream); err != nil {
		t.Fatal(err)
	}
	for i, body := range bodies {
		if r := e.post(t, body, signedHeaders(body)); r.status != 200 || r.str("status") != "spooled" {
			t.Fatalf("delivery %d: %d %v, want 200 spooled", i, r.status, r.body)
		}
	}
}

// createEventsStream creates WEBEX_EVENTS as provisioned, changed by tweak.
func createEventsStream(t *testing.T, e *testEnv, tweak func(*jetstream.StreamConfig)) jetstream.StreamConfig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := events.EventsStreamConfig(events.DefaultStreamOptions())
	tweak(&cfg)
	if _, err := e.js.CreateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSpoolForwardStreamFullMidBatch: the spool holds 40 deliveries when
// the stream comes back with room for 15. The forwarder stores 15 in one
// pipelined batch, is refused the rest, keeps them, and once the stream
// has room stores them after the first 15: every delivery once, in order.
func TestSpoolForwardStreamFullMidBatch(t *testing.T) {
	e := newEnv(t, func(c *ingest.Config) {
		c.PublishTimeout = 300 * time.Millisecond
		c.SpoolDir = t.TempDir()
	})
	const n, room = 40, 15
	var want []string
	var bodies [][]byte
	for i := range n {
		id := fmt.Sprintf("full-%02d", i)
		want = append(want, id)
		bodies = append(bodies, webhook("messages", "created", id, fmt.Sprintf("room-%d", i%3)))
	}
	spoolWithoutStream(t, e, bodies)
	cfg := createEventsStream(t, e, func(c *jetstream.StreamConfig) { c.MaxMsgs = room })
	forwarding(t, e.svc)

	waitfor.Until(t, 15*time.Second, func() (bool, string) {
		stored := e.stored(t)
		waiting := metricstest.Value(t, e.reg, "webexpipe_ingest_spool_records", nil)
		return stored == room && waiting == n-room && strings.Contains(e.logs.String(), "maximum messages exceeded"),
			fmt.Sprintf("%d stored and %v waiting, want %d and %d after a refusal", stored, waiting, room, n-room)
	})
	if got := e.storedIDs(t); strings.Join(got, ",") != strings.Join(want[:room], ",") {
		t.Fatalf("stored before the stream filled: %v, want %v", got, want[:room])
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg.MaxMsgs = -1
	if _, err := e.js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	waitfor.True(t, 15*time.Second, "the rest of the spool forwarded", func() bool {
		return metricstest.Value(t, e.reg, "webexpipe_ingest_spool_records", nil) == 0
	})
	if got := e.storedIDs(t); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("stored %v, want each delivery once, in order: %v", got, want)
	}
	if got := metricstest.Value(t, e.reg, "webexpipe_ingest_spool_forwarded_total", nil); got != n {
		t.Errorf("forwarded_total = %v, want %d", got, n)
	}
}

// TestSpoolSetsAsideRecordRefusedForGood: a spooled delivery larger than
// the stream accepts does not hold up the ones behind it: it is set aside
// under rejected/, logged and counted, and the others are stored in order.
func TestSpoolSetsAsideRecordRefusedForGood(t *testing.T) {
	spoolDir := t.TempDir()
	e := newEnv(t, func(c *ingest.Config) {
		c.PublishTimeout = 300 * time.Millisecond
		c.SpoolDir = spoolDir
	})
	big := bytes.Replace(webhook("messages", "created", "too-big", "room-1"),
		[]byte(`"name":"bot hook"`), fmt.Appendf(nil, `"name":%q`, strings.Repeat("x", 4000)), 1)
	spoolWithoutStream(t, e, [][]byte{
		webhook("messages", "created", "before", "room-1"),
		big,
		webhook("messages", "created", "after", "room-1"),
	})
	createEventsStream(t, e, func(c *jetstream.StreamConfig) { c.MaxMsgSize = 2048 })
	forwarding(t, e.svc)

	waitfor.True(t, 15*time.Second, "the spool drained", func() bool {
		return metricstest.Value(t, e.reg, "webexpipe_ingest_spool_records", nil) == 0
	})
	if got := e.storedIDs(t); strings.Join(got, ",") != "before,after" {
		t.Errorf("stored %v, want before,after", got)
	}
	if got := metricstest.Value(t, e.reg, "webexpipe_ingest_spool_rejected_total", nil); got != 1 {
		t.Errorf("rejected_total = %v, want 1", got)
	}
	files, err := filepath.Glob(filepath.Join(spoolDir, "rejected", "*"))
	if err != nil || len(files) != 1 {
		t.Fatalf("set-aside files %v (%v), want one", files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Subject string `json:"subject"`
		Body    []byte `json:"body"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil || !bytes.Equal(rec.Body, big) {
		t.Errorf("set-aside record does not hold the refused delivery (%v)", err)
	}
	if !strings.Contains(e.logs.String(), "refuses a record for good; set aside") {
		t.Error("no log line for the record set aside")
	}
}
