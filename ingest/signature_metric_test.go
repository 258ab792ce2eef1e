package ingest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/metricstest"
)

// TestSignatureFailuresByWebhook: a refused signature is counted under its
// webhook only when the id is one of the deployment's (added by the binary,
// or seen on a validly signed delivery); anything else, whatever its body
// claims, is "unknown", so untrusted input creates no series.
func TestSignatureFailuresByWebhook(t *testing.T) {
	known := ingest.NewWebhookIDs()
	known.Add("hook-listed-at-start")
	e := newEnv(t, func(c *ingest.Config) { c.KnownWebhooks = known })
	const signedHook = "Y2lzY29zcGFyazovL3VzL1dFQkhPT0svMQ" // webhook()'s id
	failures := func() map[string]float64 {
		return metricstest.ByLabel(t, e.reg, "webexpipe_ingest_signature_failures_total", "webhook")
	}
	if got := failures(); len(got) != 2 || got[ingest.UnknownWebhook] != 0 || got["hook-listed-at-start"] != 0 {
		t.Fatalf("series before any delivery: %v, want unknown and the listed webhook at 0", got)
	}

	forged := func(id string) []byte {
		return bytes.Replace(webhook("messages", "created", "m-"+id, "r"), []byte(signedHook), []byte(id), 1)
	}
	bad := func(body []byte) {
		t.Helper()
		h := signedHeaders(body)
		h.Set(events.SignatureHeader, events.Sign([]byte("old-secret"), body))
		if r := e.post(t, body, h); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong signature: status %d, want 401", r.status)
		}
	}

	bad(webhook("messages", "created", "m-1", "r")) // not known yet
	bad(forged("hook-listed-at-start"))
	for i := range 3 {
		bad(forged(fmt.Sprintf("attacker-%d", i)))
	}
	bad([]byte("not json"))
	if got := failures(); len(got) != 2 || got[ingest.UnknownWebhook] != 5 || got["hook-listed-at-start"] != 1 {
		t.Errorf("after failures: %v, want unknown 5, hook-listed-at-start 1 and no other series", got)
	}

	body := webhook("messages", "created", "m-2", "r")
	if r := e.post(t, body, signedHeaders(body)); r.status != http.StatusOK {
		t.Fatalf("signed delivery: status %d", r.status)
	}
	if got := failures(); got[signedHook] != 0 || len(got) != 3 {
		t.Errorf("a signed delivery's webhook gets its series at 0: %v", got)
	}
	bad(webhook("messages", "created", "m-3", "r"))
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if r := e.post(t, webhook("messages", "created", "m-4", "r"), h); r.status != http.StatusUnauthorized {
		t.Fatalf("unsigned: status %d, want 401", r.status)
	}
	if got := failures(); got[signedHook] != 2 {
		t.Errorf("failures of a webhook seen signed: %v, want 2 (a wrong and a missing signature)", got[signedHook])
	}
}

// TestKnownWebhooksAreBounded: ids past MaxKnownWebhooks are not known.
func TestKnownWebhooksAreBounded(t *testing.T) {
	known := ingest.NewWebhookIDs()
	for i := range ingest.MaxKnownWebhooks + 10 {
		known.Add(fmt.Sprintf("hook-%d", i))
	}
	e := newEnv(t, func(c *ingest.Config) { c.KnownWebhooks = known })
	if got := len(metricstest.ByLabel(t, e.reg, "webexpipe_ingest_signature_failures_total", "webhook")); got != ingest.MaxKnownWebhooks+1 {
		t.Errorf("%d series, want %d (the known ids and unknown)", got, ingest.MaxKnownWebhooks+1)
	}
}
