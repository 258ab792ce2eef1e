package ratelimit_test

import (
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// The calls a pause held back are released over a tenth of the pause, as
// the README says: a long pause's backlog is not sent within one second.
func TestWaitSpreadsOverATenthOfThePause(t *testing.T) {
	t.Parallel()
	const remaining = time.Minute
	pe := &ratelimit.PausedError{Remaining: remaining}
	var longest time.Duration
	// Uniform draws: the chance that 200 of them all land in the first
	// second of six is (1/6)^200.
	for range 200 {
		w := pe.Wait()
		if w < remaining || w >= remaining+remaining/10 {
			t.Fatalf("Wait = %s, want from %s up to a tenth more", w, remaining)
		}
		longest = max(longest, w-remaining)
	}
	if longest <= time.Second {
		t.Errorf("the longest spread of 200 draws is %s: the release is squeezed into a second, not a tenth of the pause", longest)
	}
	if got := ratelimit.Spread(0); got != 0 {
		t.Errorf("Spread(0) = %s, want 0", got)
	}
}
