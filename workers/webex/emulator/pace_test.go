package emulator

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestPaceRateLimitsEachToken(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := NewTest(t, Options{Now: clock.Now, Pace: Pace{Rate: 2, Burst: 3}})

	status := func(token string) (int, string) {
		resp, _ := call(t, s, http.MethodGet, "/v1/people/me", token, "", "")
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	for i := range 3 {
		if code, _ := status(s.Token()); code != http.StatusOK {
			t.Fatalf("call %d of the burst: status %d, want 200", i+1, code)
		}
	}
	code, retry := status(s.Token())
	if code != http.StatusTooManyRequests || retry != "1" {
		t.Fatalf("call past the burst: status %d, Retry-After %q; want 429 and 1", code, retry)
	}
	// Another token has an allowance of its own (and is then refused for
	// being the wrong token, not for the rate).
	if code, _ := status("other-token"); code != http.StatusUnauthorized {
		t.Fatalf("another token: status %d, want 401", code)
	}
	clock.Advance(500 * time.Millisecond) // one call's worth at 2/s
	if code, _ := status(s.Token()); code != http.StatusOK {
		t.Fatalf("after the refill: status %d, want 200", code)
	}
	if code, _ := status(s.Token()); code != http.StatusTooManyRequests {
		t.Fatalf("refill spent: status %d, want 429", code)
	}
	// The control API is not limited.
	if resp, _ := call(t, s, http.MethodGet, "/_sim/faults", "", "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("control API: status %d, want 200", resp.StatusCode)
	}
}

func TestPaceAddsLatencyToTheAPIOnly(t *testing.T) {
	const latency = 150 * time.Millisecond
	s := NewTest(t, Options{Pace: Pace{Latency: latency}})

	start := time.Now()
	if resp, _ := call(t, s, http.MethodGet, "/v1/people/me", s.Token(), "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if took := time.Since(start); took < latency {
		t.Fatalf("API call answered after %s, before the %s latency", took, latency)
	}
}

func TestPaceWaitEndsWhenTheServerCloses(t *testing.T) {
	done := make(chan struct{})
	served := false
	h := newPacer(Pace{Latency: time.Hour}, time.Now, done).wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served = true }))
	answered := make(chan int, 1)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/people/me", nil))
		answered <- w.Code
	}()
	close(done)
	select {
	case code := <-answered:
		if code != http.StatusServiceUnavailable || served {
			t.Fatalf("status %d (served: %v), want 503 and not served", code, served)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a call held by the latency outlived the server")
	}
}
