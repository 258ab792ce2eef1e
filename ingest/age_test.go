package ingest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// withCreated is a signed-shape delivery whose event happened at created
// ("" leaves data.created out); the webhook itself was registered long
// before, as real ones are.
func withCreated(id, created string) []byte {
	data := fmt.Sprintf(`{"id":%q,"roomId":"room-1","personId":"person-2"`, id)
	if created != "" {
		data += fmt.Sprintf(`,"created":%q`, created)
	}
	return []byte(`{"id":"wh-1","resource":"messages","event":"created","created":"2019-01-02T03:04:05.000Z","data":` + data + `}}`)
}

// TestMaxEventAge: a delivery whose data.created is older than
// MaxEventAge is refused with 403, counted and logged, and nothing is
// stored; anything younger, or without a usable data.created, is stored.
func TestMaxEventAge(t *testing.T) {
	at := func(ago time.Duration) string { return fixedNow.Add(-ago).Format(time.RFC3339Nano) }
	tests := []struct {
		name    string
		maxAge  time.Duration // 0: the default
		created string
		status  int
	}{
		{"fresh", 0, at(time.Second), 200},
		{"a day less a minute, default", 0, at(24*time.Hour - time.Minute), 200},
		{"a day and a minute, default", 0, at(24*time.Hour + time.Minute), 403},
		{"a year", 0, at(365 * 24 * time.Hour), 403},
		{"webhook old, event fresh", 0, at(0), 200},
		{"in the future", 0, fixedNow.Add(time.Hour).Format(time.RFC3339), 200},
		{"offset form", 0, fixedNow.Add(-48 * time.Hour).Format("2006-01-02T15:04:05-07:00"), 403},
		{"no data.created", 0, "", 200},
		{"data.created not a time", 0, "yesterday", 200},
		{"custom age", time.Hour, at(2 * time.Hour), 403},
		{"custom age, younger", time.Hour, at(30 * time.Minute), 200},
		{"check off", -1, at(10 * 365 * 24 * time.Hour), 200},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *ingest.Config) { c.MaxEventAge = tc.maxAge })
			body := withCreated(fmt.Sprintf("age-%d", i), tc.created)
			r := e.post(t, body, signedHeaders(body))
			if r.status != tc.status {
				t.Fatalf("status %d %v, want %d", r.status, r.body, tc.status)
			}
			if tc.status == 200 {
				return
			}
			if !strings.Contains(r.str("error"), "event too old") {
				t.Errorf("reason %q, want it to say the event is too old", r.str("error"))
			}
			if got := e.outcomes(t)["too_old"]; got != 1 {
				t.Errorf("too_old counted %v times, want 1", got)
			}
			if !strings.Contains(e.logs.String(), "outcome=too_old") {
				t.Error("no log line for the refusal")
			}
			if n := e.stored(t); n != 0 {
				t.Errorf("stream holds %d messages, want 0", n)
			}
		})
	}
}

// TestSpoolForwardsOldDeliveries: the age is checked when a delivery
// arrives, not when the spool forwards it, so deliveries spooled during an
// outage longer than MaxEventAge are still stored.
func TestSpoolForwardsOldDeliveries(t *testing.T) {
	dir := t.TempDir()
	srv, err := localnats.Start(localnats.Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	e := newEnvOn(t, srv, func(c *ingest.Config) {
		c.PublishTimeout = 300 * time.Millisecond
		c.SpoolDir = t.TempDir()
		c.MaxEventAge = time.Hour
	})
	forwarding(t, e.svc)
	port := srv.Port()
	srv.Shutdown()

	body := withCreated("spooled-old", fixedNow.Format(time.RFC3339Nano))
	if r := e.post(t, body, signedHeaders(body)); r.status != 200 || r.str("status") != "spooled" {
		t.Fatalf("answer %d %v, want 200 spooled", r.status, r.body)
	}
	e.clock.Advance(2 * time.Hour) // the outage outlasts MaxEventAge

	srv, err = localnats.Start(localnats.Config{StoreDir: dir, Port: port})
	if err != nil {
		t.Fatalf("restart nats: %v", err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	waitfor.True(t, 15*time.Second, "the spooled delivery stored", func() bool { return e.stored(t) == 1 })
	if got := e.outcomes(t)["too_old"]; got != 0 {
		t.Errorf("too_old counted %v times, want 0", got)
	}
}
