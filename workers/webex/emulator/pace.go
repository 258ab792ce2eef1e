package emulator

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pace makes the API answer like a Webex that is far away and busy: every
// call under /v1 takes Latency, and each token may make Rate calls a
// second before Webex's answer is 429 with a Retry-After. The zero value
// changes nothing. The control API under /_sim is never paced.
type Pace struct {
	// Latency is added to every API call before it is served (or refused).
	Latency time.Duration
	// Rate is the calls a second each bearer token may make, refilled
	// continuously; 0 means no limit.
	Rate float64
	// Burst is how many calls a token may make at once after a quiet
	// spell; 0 means one second's worth of Rate (at least 1).
	Burst int
}

// pacer applies a Pace. It is safe for concurrent use.
type pacer struct {
	pace Pace
	now  func() time.Time
	done <-chan struct{} // closed when the server closes: ends the waits

	mu      sync.Mutex         // guards buckets
	buckets map[string]*bucket // by the Authorization header
}

// bucket is one token's allowance: tokens left as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

func newPacer(p Pace, now func() time.Time, done <-chan struct{}) *pacer {
	if p.Burst <= 0 {
		p.Burst = max(1, int(math.Ceil(p.Rate)))
	}
	return &pacer{pace: p, now: now, done: done, buckets: map[string]*bucket{}}
}

// wrap paces the API calls next serves; with a zero Pace it is next.
func (p *pacer) wrap(next http.Handler) http.Handler {
	if p.pace.Latency <= 0 && p.pace.Rate <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		if !p.wait(r) {
			w.Header().Set(trackingHeader, newTrackingID())
			writeError(w, failf(http.StatusServiceUnavailable, "The emulator is shutting down."))
			return
		}
		if wait, ok := p.take(r.Header.Get("Authorization")); !ok {
			w.Header().Set(trackingHeader, newTrackingID())
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, failf(http.StatusTooManyRequests, "Too many requests: the rate limit of this access token was reached."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// wait holds a call for the latency; false when the server closed or the
// caller went away meanwhile.
func (p *pacer) wait(r *http.Request) bool {
	if p.pace.Latency <= 0 {
		return true
	}
	t := time.NewTimer(p.pace.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.done:
	case <-r.Context().Done():
	}
	return false
}

// take spends one call of the token's allowance. When none is left it
// reports how long until there is one (at least a second, as Webex's
// Retry-After counts whole seconds).
func (p *pacer) take(token string) (time.Duration, bool) {
	if p.pace.Rate <= 0 {
		return 0, true
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.buckets[token]
	if b == nil {
		b = &bucket{tokens: float64(p.pace.Burst), at: now}
		p.buckets[token] = b
	}
	b.tokens = min(float64(p.pace.Burst), b.tokens+now.Sub(b.at).Seconds()*p.pace.Rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return max(time.Second, time.Duration((1-b.tokens)/p.pace.Rate*float64(time.Second))), false
}
