package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
)

var (
	secretA = []byte("first-secret-do-not-log")
	secretB = []byte("second-secret-do-not-log")
	// fixedNow is what the tests' clock says, so Webex-Received-At is exact.
	fixedNow = time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC)
)

// testEnv is one ingest service in front of an embedded JetStream server
// with the webexpipe streams provisioned.
type testEnv struct {
	nats  *localnats.Server
	nc    *nats.Conn
	js    jetstream.JetStream
	reg   *prometheus.Registry
	logs  *syncbuf.Buffer
	svc   *ingest.Service
	url   string // base URL of the HTTP server
	cfg   ingest.Config
	clock *testClock
}

// testClock starts at fixedNow and moves only when told.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return fixedNow.Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// newEnv starts everything; tweak adjusts the service's Config first.
func newEnv(t testing.TB, tweak func(*ingest.Config)) *testEnv {
	t.Helper()
	return newEnvOn(t, localnats.StartTest(t), tweak)
}

// newEnvOn is newEnv with a NATS server the test controls.
func newEnvOn(t testing.TB, srv *localnats.Server, tweak func(*ingest.Config)) *testEnv {
	t.Helper()
	return newEnvStreams(t, srv, events.DefaultStreamOptions(), tweak)
}

// newEnvStreams is newEnvOn with the streams provisioned by o.
func newEnvStreams(t testing.TB, srv *localnats.Server, o events.StreamOptions, tweak func(*ingest.Config)) *testEnv {
	t.Helper()
	e := &testEnv{nats: srv, reg: prometheus.NewRegistry(), logs: &syncbuf.Buffer{}, clock: &testClock{}}
	e.nc, e.js = connect(t, srv, o)
	e.cfg = ingest.Config{
		Secrets:        [][]byte{secretA, secretB},
		PublishTimeout: 2 * time.Second,
		RetryAfter:     3 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics:        e.reg,
		Now:            e.clock.Now,
	}
	if tweak != nil {
		tweak(&e.cfg)
	}
	svc, err := ingest.New(e.cfg, e.nc, e.js)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.svc = svc
	hs := httptest.NewServer(svc.Handler())
	t.Cleanup(hs.Close)
	e.url = hs.URL
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("service logs:\n%s", e.logs.String())
		}
	})
	return e
}

// connect opens a client connection and provisions the streams with o
// (file storage by default: the benchmark measures what production does).
func connect(t testing.TB, srv *localnats.Server, o events.StreamOptions) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, js := srv.ConnectTest(t, nats.ReconnectWait(50*time.Millisecond))
	localnats.ProvisionTest(t, js, o)
	return nc, js
}

// webhook is a delivery body as Webex sends it.
func webhook(resource, event, dataID, roomID string) []byte {
	return fmt.Appendf(nil, `{"id":"Y2lzY29zcGFyazovL3VzL1dFQkhPT0svMQ","name":"bot hook",`+
		`"targetUrl":"https://bot.example/webhooks/webex","resource":%q,"event":%q,`+
		`"orgId":"org-1","createdBy":"person-1","appId":"app-1","ownedBy":"creator",`+
		`"status":"active","created":"2026-01-02T03:04:05.000Z","actorId":"person-2",`+
		`"data":{"id":%q,"roomId":%q,"roomType":"direct","personId":"person-2",`+
		`"personEmail":"someone@example.com","created":"2026-03-04T05:06:07.000Z"}}`,
		resource, event, dataID, roomID)
}

// signedHeaders are the headers of a valid delivery of body.
func signedHeaders(body []byte) http.Header { return signedWith(secretA, body) }

// reply is an answer of the service.
type reply struct {
	status int
	header http.Header
	body   map[string]any
}

func (r reply) str(key string) string { s, _ := r.body[key].(string); return s }

// do sends one request and decodes the JSON answer.
func do(t testing.TB, method, url string, body io.Reader, h http.Header) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if body != nil {
		if _, ok := body.(*bytes.Reader); !ok {
			req.ContentLength = -1 // send chunked, with no declared length
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, raw)
	}
	return r
}

// post sends body to the webhook path.
func (e *testEnv) post(t testing.TB, body []byte, h http.Header) reply {
	t.Helper()
	return do(t, http.MethodPost, e.url+ingest.DefaultPath, bytes.NewReader(body), h)
}

// get fetches one of the service's other routes.
func (e *testEnv) get(t testing.TB, path string) reply {
	t.Helper()
	return do(t, http.MethodGet, e.url+path, nil, nil)
}

// stored is how many messages WEBEX_EVENTS holds.
func (e *testEnv) stored(t testing.TB) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	return info.State.Msgs
}

// outcomes reads webexpipe_ingest_requests_total from the registry, by outcome.
func (e *testEnv) outcomes(t testing.TB) map[string]float64 {
	t.Helper()
	return metricstest.ByLabel(t, e.reg, "webexpipe_ingest_requests_total", "outcome")
}
