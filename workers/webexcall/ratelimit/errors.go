package ratelimit

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// ErrPaused means a call was not sent because the bot's token is paused.
// The error returned by Check is a *PausedError matching it with errors.Is.
var ErrPaused = errors.New("webex calls paused after a rate limit")

// PausedError is returned by Check while the token is paused.
type PausedError struct {
	// Until is when the pause ends.
	Until time.Time
	// Remaining is how long the pause still lasts, as of the check.
	Remaining time.Duration
}

func (e *PausedError) Error() string {
	return fmt.Sprintf("%v: %s left (until %s)", ErrPaused, e.Remaining.Round(time.Millisecond), e.Until.UTC().Format(time.RFC3339Nano))
}

// Wait is how long the caller should wait before trying again: the rest of
// the pause and a random part of up to a tenth of it (see Spread), so that
// the calls one pause held back do not all reach Webex in the same instant
// when it ends.
func (e *PausedError) Wait() time.Duration { return e.Remaining + Spread(e.Remaining) }

// Spread returns a random duration from 0 up to a tenth of d: added to the
// end of a pause of d, it staggers the calls that waited.
//
// The spread grows with the pause on purpose. The calls held back pile up
// at the rate events arrive, so a pause of d holds about d's worth of them;
// released over d/10 they reach Webex at ten times the usual rate, however
// long the pause was. A fixed window (one second, say) would send the whole
// backlog of a five-minute pause within that second and earn the next 429.
// The price is at most a tenth more waiting, bounded by MaxPause/10.
func Spread(d time.Duration) time.Duration {
	limit := d / 10
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}

// Is makes errors.Is(err, ErrPaused) true.
func (e *PausedError) Is(target error) bool { return target == ErrPaused }
