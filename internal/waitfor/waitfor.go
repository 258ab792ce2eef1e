// Package waitfor polls a condition in tests until it holds or a deadline
// passes: the one way the project's tests wait for something to happen
// elsewhere (a server, a process, a goroutine) instead of sleeping.
package waitfor

import (
	"testing"
	"time"
)

// interval is how often a condition is polled.
const interval = 10 * time.Millisecond

// Until polls cond until it reports true, and fails tb if it has not after
// within, with the reason cond gave last.
func Until(tb testing.TB, within time.Duration, cond func() (ok bool, why string)) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not within %s: %s", within, why)
		}
		time.Sleep(interval) // poll interval, bounded by the deadline
	}
}

// True polls cond until it reports true, and fails tb if it has not after
// within, naming what was awaited.
func True(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	Until(tb, within, func() (bool, string) { return cond(), what })
}
