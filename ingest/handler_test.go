package ingest_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
)

// TestBadInputStoresNothing sends every kind of refused delivery and checks
// its status, its reason, its counter, and that the stream stays empty.
func TestBadInputStoresNothing(t *testing.T) {
	const maxBody = 16 << 10
	e := newEnv(t, func(c *ingest.Config) { c.MaxBodyBytes = maxBody })
	good := webhook("messages", "created", "msg-1", "room-1")
	signed := func(body string) http.Header { return signedHeaders([]byte(body)) }
	with := func(h http.Header, k, v string) http.Header {
		h = h.Clone()
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		return h
	}
	big := bytes.Repeat([]byte("x"), maxBody+1)
	nested := `{"resource":"messages","event":"created","data":{"id":"1","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}`
	longResource := `{"resource":"` + strings.Repeat("m", 10<<10) + `","event":"created","data":{"id":"1"}}`

	tests := []struct {
		name    string
		method  string
		body    io.Reader
		header  http.Header
		status  int
		outcome string
		reason  string
	}{
		{"GET", http.MethodGet, nil, nil, 405, "method_not_allowed", "method not allowed"},
		{"PUT", http.MethodPut, bytes.NewReader(good), signedHeaders(good), 405, "method_not_allowed", "method not allowed"},
		{"no content type", "POST", bytes.NewReader(good), with(signedHeaders(good), "Content-Type", ""), 415, "unsupported_media_type", "Content-Type"},
		{"text/plain", "POST", bytes.NewReader(good), with(signedHeaders(good), "Content-Type", "text/plain"), 415, "unsupported_media_type", "Content-Type"},
		{"form", "POST", bytes.NewReader(good), with(signedHeaders(good), "Content-Type", "application/x-www-form-urlencoded"), 415, "unsupported_media_type", "Content-Type"},
		{"gzip", "POST", bytes.NewReader(good), with(signedHeaders(good), "Content-Encoding", "gzip"), 415, "unsupported_media_type", "Content-Encoding"},
		{"identity then br", "POST", bytes.NewReader(good), with(signedHeaders(good), "Content-Encoding", "identity, br"), 415, "unsupported_media_type", "Content-Encoding"},
		{"declared too large", "POST", bytes.NewReader(big), signedHeaders(big), 413, "too_large", "larger than 16384"},
		{"chunked too large", "POST", io.MultiReader(bytes.NewReader(big)), signedHeaders(big), 413, "too_large", "larger than 16384"},
		{"missing signature", "POST", bytes.NewReader(good), with(signedHeaders(good), events.SignatureHeader, ""), 401, "unauthorized", "missing X-Spark-Signature"},
		{"wrong signature", "POST", bytes.NewReader(good), with(signedHeaders(good), events.SignatureHeader, events.Sign([]byte("other"), good)), 401, "unauthorized", "invalid signature"},
		{"malformed JSON", "POST", strings.NewReader(`{"resource":`), signed(`{"resource":`), 400, "bad_request", "malformed JSON"},
		{"not an object", "POST", strings.NewReader(`["messages"]`), signed(`["messages"]`), 400, "bad_request", "malformed JSON"},
		{"empty body", "POST", strings.NewReader(""), signed(""), 400, "bad_request", "malformed JSON"},
		{"missing resource", "POST", strings.NewReader(`{"event":"created","data":{"id":"1"}}`), signed(`{"event":"created","data":{"id":"1"}}`), 400, "bad_request", "missing resource"},
		{"missing event", "POST", strings.NewReader(`{"resource":"messages","data":{"id":"1"}}`), signed(`{"resource":"messages","data":{"id":"1"}}`), 400, "bad_request", "missing event"},
		{"missing data", "POST", strings.NewReader(`{"resource":"messages","event":"created"}`), signed(`{"resource":"messages","event":"created"}`), 400, "bad_request", "missing data.id"},
		{"data.id not a string", "POST", strings.NewReader(`{"resource":"messages","event":"created","data":{"id":7}}`), signed(`{"resource":"messages","event":"created","data":{"id":7}}`), 400, "bad_request", "missing data.id"},
		{"wildcard resource", "POST", strings.NewReader(`{"resource":"messages.>","event":"created","data":{"id":"1"}}`), signed(`{"resource":"messages.>","event":"created","data":{"id":"1"}}`), 400, "bad_request", "unsafe subject token"},
		{"event with space", "POST", strings.NewReader(`{"resource":"messages","event":"cre ated","data":{"id":"1"}}`), signed(`{"resource":"messages","event":"cre ated","data":{"id":"1"}}`), 400, "bad_request", "unsafe subject token"},
		// Hostile variations: every one is refused with its reason, counted,
		// logged, and stores nothing.
		{"DELETE", http.MethodDelete, nil, signedHeaders(good), 405, "method_not_allowed", "method not allowed"},
		{"json with a wrong subtype", "POST", bytes.NewReader(good), with(signedHeaders(good), "Content-Type", "application/jsonp"), 415, "unsupported_media_type", "Content-Type"},
		{"deflate", "POST", bytes.NewReader(good), with(signedHeaders(good), "Content-Encoding", "deflate"), 415, "unsupported_media_type", "Content-Encoding"},
		{"short signature", "POST", bytes.NewReader(good), with(signedHeaders(good), events.SignatureHeader, events.Sign(secretA, good)[:20]), 401, "unauthorized", "invalid signature"},
		{"non-hex signature", "POST", bytes.NewReader(good), with(signedHeaders(good), events.SignatureHeader, strings.Repeat("g", 40)), 401, "unauthorized", "invalid signature"},
		{"uppercase signature", "POST", bytes.NewReader(good), with(signedHeaders(good), events.SignatureHeader, strings.ToUpper(events.Sign(secretA, good))), 401, "unauthorized", "invalid signature"},
		{"body changed after signing", "POST", bytes.NewReader(bytes.Replace(good, []byte("msg-1"), []byte("msg-2"), 1)), signedHeaders(good), 401, "unauthorized", "invalid signature"},
		{"signature of an empty body", "POST", bytes.NewReader(good), with(signedHeaders(good), events.SignatureHeader, events.Sign(secretA, nil)), 401, "unauthorized", "invalid signature"},
		{"invalid UTF-8", "POST", strings.NewReader(`{"resource":"messages","event":"created","data":{"id":"` + "\xff" + `"}}`), signed(`{"resource":"messages","event":"created","data":{"id":"` + "\xff" + `"}}`), 400, "bad_request", "UTF-8"},
		{"deeply nested", "POST", strings.NewReader(nested), signed(nested), 400, "bad_request", "nested deeper"},
		{"duplicate keys", "POST", strings.NewReader(`{"resource":"messages","event":"created","event":"deleted","data":{"id":"1"}}`), signed(`{"resource":"messages","event":"created","event":"deleted","data":{"id":"1"}}`), 400, "bad_request", "duplicate key"},
		{"resource with star", "POST", strings.NewReader(`{"resource":"mess*","event":"created","data":{"id":"1"}}`), signed(`{"resource":"mess*","event":"created","data":{"id":"1"}}`), 400, "bad_request", "unsafe subject token"},
		{"event with dot", "POST", strings.NewReader(`{"resource":"messages","event":"created.x","data":{"id":"1"}}`), signed(`{"resource":"messages","event":"created.x","data":{"id":"1"}}`), 400, "bad_request", "unsafe subject token"},
		{"10 KB resource", "POST", strings.NewReader(longResource), signed(longResource), 400, "bad_request", "unsafe subject token"},
		{"null data", "POST", strings.NewReader(`{"resource":"messages","event":"created","data":null}`), signed(`{"resource":"messages","event":"created","data":null}`), 400, "bad_request", "missing data.id"},
		{"body is a string", "POST", strings.NewReader(`"messages"`), signed(`"messages"`), 400, "bad_request", "malformed JSON"},
		{"keys equal but for case", "POST", strings.NewReader(`{"resource":"messages","Resource":"rooms","event":"created","data":{"id":"1"}}`), signed(`{"resource":"messages","Resource":"rooms","event":"created","data":{"id":"1"}}`), 400, "bad_request", "duplicate key"},
		{"wrongly cased key", "POST", strings.NewReader(`{"resource":"messages","event":"created","data":{"ID":"1"}}`), signed(`{"resource":"messages","event":"created","data":{"ID":"1"}}`), 400, "bad_request", "wrongly cased key"},
		{"lone surrogate in data.id", "POST", strings.NewReader(`{"resource":"messages","event":"created","data":{"id":"\ud800"}}`), signed(`{"resource":"messages","event":"created","data":{"id":"\ud800"}}`), 400, "bad_request", "lone surrogate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.outcomes(t)[tc.outcome]
			r := do(t, tc.method, e.url+ingest.DefaultPath, tc.body, tc.header)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d (body %v)", r.status, tc.status, r.body)
			}
			if got := r.str("error"); !strings.Contains(got, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", got, tc.reason)
			}
			if tc.status == 405 && r.header.Get("Allow") != "POST" {
				t.Errorf("Allow %q, want POST", r.header.Get("Allow"))
			}
			if got := e.outcomes(t)[tc.outcome]; got != before+1 {
				t.Errorf("counter %s = %v, want %v", tc.outcome, got, before+1)
			}
			if n := e.stored(t); n != 0 {
				t.Errorf("stream holds %d messages, want 0", n)
			}
		})
	}
	t.Run("logs hold no secret", func(t *testing.T) {
		logs := e.logs.String()
		for _, s := range [][]byte{secretA, secretB} {
			if strings.Contains(logs, string(s)) {
				t.Fatalf("logs contain a webhook secret")
			}
		}
		if n := strings.Count(logs, "webhook refused"); n != len(tests) {
			t.Errorf("%d refusal log lines, want one per refused delivery (%d)", n, len(tests))
		}
	})
}

// TestSignature checks the signature rule over the raw bytes, with two
// secrets valid during a rotation.
func TestSignature(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name   string
		sig    func(body []byte) string
		mutate func(body []byte) []byte // what is sent after signing
		status int
	}{
		{"right", func(b []byte) string { return events.Sign(secretA, b) }, nil, 200},
		{"second secret of the rotation", func(b []byte) string { return events.Sign(secretB, b) }, nil, 200},
		{"wrong secret", func(b []byte) string { return events.Sign([]byte("not-ours"), b) }, nil, 401},
		{"missing", func([]byte) string { return "" }, nil, 401},
		{"body changed by one byte", func(b []byte) string { return events.Sign(secretA, b) },
			func(b []byte) []byte { return bytes.Replace(b, []byte("someone"), []byte("someonf"), 1) }, 401},
		{"uppercase hex", func(b []byte) string { return strings.ToUpper(events.Sign(secretA, b)) }, nil, 401},
		{"short", func(b []byte) string { return events.Sign(secretA, b)[:39] }, nil, 401},
		{"too long", func(b []byte) string { return events.Sign(secretA, b) + "0" }, nil, 401},
		{"non-hex", func([]byte) string { return strings.Repeat("zz", 20) }, nil, 401},
		{"sha256 length", func([]byte) string { return strings.Repeat("ab", 32) }, nil, 401},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := webhook("messages", "created", "sig-"+string(rune('a'+i)), "room-1")
			h := http.Header{"Content-Type": {"application/json"}}
			if sig := tc.sig(body); sig != "" {
				h.Set(events.SignatureHeader, sig)
			}
			if tc.mutate != nil {
				body = tc.mutate(body)
			}
			r := e.post(t, body, h)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d (body %v)", r.status, tc.status, r.body)
			}
		})
	}
}

// TestInsecureSkipsSignature: dev mode takes unsigned deliveries and stores
// them without a Webex-Signature header.
func TestInsecureSkipsSignature(t *testing.T) {
	e := newEnv(t, func(c *ingest.Config) { c.Secrets, c.Insecure = nil, true })
	body := webhook("messages", "created", "insecure-1", "room-1")
	r := e.post(t, body, http.Header{"Content-Type": {"application/json"}})
	if r.status != 200 {
		t.Fatalf("status %d, want 200 (body %v)", r.status, r.body)
	}
	msg := e.getMsg(t, r)
	if _, ok := msg.Header[events.HeaderSignature]; ok {
		t.Errorf("stored %s header for an unsigned delivery", events.HeaderSignature)
	}
	if !strings.Contains(e.logs.String(), "INSECURE") {
		t.Errorf("no INSECURE warning logged")
	}
}
