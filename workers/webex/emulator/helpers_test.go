package emulator

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// target is a webhook receiver that records what it gets.
type target struct {
	*httptest.Server
	status atomic.Int32 // what it answers

	mu  sync.Mutex // guards got
	got []received
}

type received struct {
	body   []byte
	header http.Header
}

func newTarget(t *testing.T, status int) *target {
	t.Helper()
	tg := &target{}
	tg.status.Store(int32(status))
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.got = append(tg.got, received{body: b, header: r.Header.Clone()})
		tg.mu.Unlock()
		w.WriteHeader(int(tg.status.Load()))
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) requests() []received {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]received(nil), tg.got...)
}

// client returns a webex client of s.
func client(t *testing.T, s *Server) *webex.Client {
	t.Helper()
	c, err := webex.New(webex.Config{BaseURL: s.URL(), Token: s.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// addWebhook registers a webhook through the API.
func addWebhook(t *testing.T, s *Server, req webex.WebhookRequest) *webex.Webhook {
	t.Helper()
	if req.Name == "" {
		req.Name = "test"
	}
	w, err := client(t, s).CreateWebhook(testContext(t), req)
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	return w
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// settle waits until every delivery started so far has been recorded.
// Deliveries are started while a message is stored, so after settle a
// message that was not delivered never will be.
func settle(t *testing.T, s *Server) {
	t.Helper()
	waitFor(t, "deliveries to finish", func() bool { return s.pending() == 0 })
}

// call sends one raw request to s and returns the answer with its body.
func call(t *testing.T, s *Server, method, path, token, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	base := s.URL()
	base = base[:len(base)-len("/v1")]
	req, err := http.NewRequestWithContext(testContext(t), method, base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
