package webex

import (
	"net/http"
	"strings"
	"time"
)

const (
	// FallbackRetryAfter is the wait assumed when Webex asks to wait (429,
	// 423) without a readable Retry-After.
	FallbackRetryAfter = 15 * time.Second
	// MaxRetryAfter caps any wait read from Retry-After.
	MaxRetryAfter = time.Hour
	// MinRetryAfter is the shortest wait a 429 or 423 imposes.
	// "Retry-After: 0" on a refusal does not mean "send again at once": the
	// header counts whole seconds, so 0 says less than one is left. Read as
	// no wait at all it would start no shared pause, and every replica (and
	// the retry worker, falling back to its own backoff) would go on
	// calling a token Webex is refusing.
	MinRetryAfter = time.Second
)

// ParseRetryAfter reads a Retry-After header value as of now. See
// ParseRetryAfterAt.
func ParseRetryAfter(v string) time.Duration {
	return ParseRetryAfterAt(v, time.Now())
}

// ParseRetryAfterAt reads a Retry-After header value, defensively: Webex
// documents whole seconds but has been seen sending other text. It never
// panics and always returns a usable wait between 0 and MaxRetryAfter:
//
//   - whole seconds ("30") → that long; "0" → 0 (a 429 or 423 still waits
//     MinRetryAfter, see APIError.RetryAfter); more than MaxRetryAfter
//     (however many digits) → MaxRetryAfter;
//   - an HTTP date in the future → the time until it, capped at
//     MaxRetryAfter;
//   - an HTTP date that is not in the future → FallbackRetryAfter: a date
//     already past says more about clock skew than about permission to send
//     at once, and the caller was just rate limited;
//   - anything else (empty, "-1", "1.5", "abc", "rand(30),add(30)") →
//     FallbackRetryAfter.
func ParseRetryAfterAt(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return FallbackRetryAfter
	}
	if allDigits(v) {
		// Sum digit by digit, stopping at the cap, so that no number of
		// digits can overflow.
		maxSecs := int64(MaxRetryAfter / time.Second)
		var secs int64
		for i := 0; i < len(v); i++ {
			secs = secs*10 + int64(v[i]-'0')
			if secs > maxSecs {
				return MaxRetryAfter
			}
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		switch {
		case d <= 0:
			return FallbackRetryAfter
		case d > MaxRetryAfter:
			return MaxRetryAfter
		}
		return d
	}
	return FallbackRetryAfter
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
