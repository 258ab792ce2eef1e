package ingest_test

import (
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/metricstest"
)

// TestIDTooLongForHeaders: an event whose id makes its headers larger
// than JetStream stores can never be stored, so it is refused with 400
// and a reason, counted and logged, with or without a spool, and nothing
// is published or spooled.
func TestIDTooLongForHeaders(t *testing.T) {
	long := strings.Repeat("a", events.MaxHeaderBytes+1)
	tests := []struct {
		name   string
		body   []byte
		reason string
	}{
		{"data.id", webhook("messages", "created", long, "room-1"), "data.id too long"},
		{"webhook id", []byte(`{"id":"` + long + `","resource":"messages","event":"created","data":{"id":"m-1"}}`), "id too long"},
	}
	for _, spool := range []bool{false, true} {
		for _, tc := range tests {
			name := tc.name
			if spool {
				name += " with a spool"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, func(c *ingest.Config) {
					if spool {
						c.SpoolDir = t.TempDir()
					}
				})
				if spool {
					forwarding(t, e.svc)
				}
				r := e.post(t, tc.body, signedHeaders(tc.body))
				if r.status != 400 || !strings.Contains(r.str("error"), tc.reason) {
					t.Fatalf("answer %d %v, want 400 with %q", r.status, r.body, tc.reason)
				}
				if r.header.Get("Retry-After") != "" {
					t.Errorf("Retry-After %q on a delivery that can never be stored", r.header.Get("Retry-After"))
				}
				if got := e.outcomes(t)["bad_request"]; got != 1 {
					t.Errorf("bad_request counted %v times, want 1", got)
				}
				if !strings.Contains(e.logs.String(), "webhook refused") {
					t.Error("no log line for the refusal")
				}
				if n := e.stored(t); n != 0 {
					t.Errorf("stream holds %d messages, want 0", n)
				}
				if spool {
					if n := metricstest.Value(t, e.reg, "webexpipe_ingest_spool_appended_total", nil); n != 0 {
						t.Errorf("%v deliveries spooled, want 0", n)
					}
				}
			})
		}
	}
}
