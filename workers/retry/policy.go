package retry

import (
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Policy is the schedule of a call's attempts: exponential backoff with
// jitter, capped per interval and in total.
type Policy struct {
	// Initial is the delay after the first failure.
	Initial time.Duration
	// Multiplier grows the delay after each further failure.
	Multiplier float64
	// Randomization spreads each delay by ± this fraction, so that calls
	// that failed together are not retried together.
	Randomization float64
	// MaxInterval caps one delay (before randomization).
	MaxInterval time.Duration
	// MaxElapsed is how long after its first failure a call may still be
	// attempted; a call whose next attempt would come later is given up
	// and dead-lettered.
	MaxElapsed time.Duration
}

// DefaultPolicy waits 2 s, then 4 s, 8 s and so on up to 5 min between
// attempts, ±30 %, for at most an hour.
func DefaultPolicy() Policy {
	return Policy{Initial: 2 * time.Second, Multiplier: 2, Randomization: 0.3, MaxInterval: 5 * time.Minute, MaxElapsed: time.Hour}
}

// Validate reports the first setting that cannot work.
func (p Policy) Validate() error {
	switch {
	case p.Initial <= 0 || p.MaxInterval < p.Initial:
		return fmt.Errorf("retry policy: initial %s, max interval %s: want 0 < initial <= max interval", p.Initial, p.MaxInterval)
	case p.Multiplier < 1:
		return fmt.Errorf("retry policy: multiplier %g: want at least 1", p.Multiplier)
	case p.Randomization < 0 || p.Randomization >= 1:
		return fmt.Errorf("retry policy: randomization %g: want 0 <= r < 1", p.Randomization)
	case p.MaxElapsed < p.Initial:
		return fmt.Errorf("retry policy: max elapsed %s: want at least the initial delay %s", p.MaxElapsed, p.Initial)
	}
	return nil
}

// Next is the delay after the attempts-th failure of a call that first
// failed at firstFailure, as of now. ok is false when the call has used up
// MaxElapsed: the delay would end after firstFailure+MaxElapsed.
//
// The state a backoff.ExponentialBackOff keeps in memory (the current
// interval, the start time) is rebuilt from the call record, so any retry
// worker can compute the next delay after a restart.
func (p Policy) Next(attempts int, firstFailure, now time.Time) (d time.Duration, ok bool) {
	clock := &fixedClock{t: firstFailure}
	b := &backoff.ExponentialBackOff{
		InitialInterval:     p.Initial,
		RandomizationFactor: p.Randomization,
		Multiplier:          p.Multiplier,
		MaxInterval:         p.MaxInterval,
		MaxElapsedTime:      p.MaxElapsed,
		Stop:                backoff.Stop,
		Clock:               clock,
	}
	b.Reset() // the elapsed time counts from firstFailure
	clock.t = now
	// The interval stops growing at MaxInterval; a few dozen steps reach
	// any attempt count.
	for range min(max(attempts, 1), 64) {
		d = b.NextBackOff()
	}
	return d, d != backoff.Stop
}

// fixedClock is a backoff.Clock that says what it is told.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }
