package workers

import (
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Backoff is the redelivery delay schedule for retryable errors: Initial on
// the first delivery, multiplied by Multiplier per delivery, capped at Max,
// each delay randomized by ±RandomizationFactor.
type Backoff struct {
	Initial             time.Duration // default 1s
	Max                 time.Duration // default 5m; also caps RetryAfter
	Multiplier          float64       // default 2
	RandomizationFactor float64       // default 0.2; 0 makes delays exact
}

// DefaultBackoff returns the schedule used when Config.Backoff is zero.
func DefaultBackoff() Backoff {
	return Backoff{Initial: time.Second, Max: 5 * time.Minute, Multiplier: 2, RandomizationFactor: 0.2}
}

// Delay is how long to wait before redelivering an event whose delivery
// number delivered (1 for the first) failed. It depends only on delivered
// and the jitter, so no per-event state has to be kept between deliveries.
// It never exceeds Max.
func (b Backoff) Delay(delivered uint64) time.Duration {
	eb := &backoff.ExponentialBackOff{
		InitialInterval:     b.Initial,
		RandomizationFactor: b.RandomizationFactor,
		Multiplier:          b.Multiplier,
		MaxInterval:         b.Max,
		MaxElapsedTime:      0, // never stop: MaxDeliver bounds the attempts
		Stop:                backoff.Stop,
		Clock:               backoff.SystemClock,
	}
	eb.Reset()
	// The interval stops growing at Max, so a few dozen steps reach any
	// delivery count.
	n := min(max(delivered, 1), 64)
	var d time.Duration
	for range n {
		d = eb.NextBackOff()
	}
	return min(d, b.Max)
}

// clamp bounds a delay asked for with RetryAfter.
func (b Backoff) clamp(d time.Duration) time.Duration {
	return min(max(d, 0), b.Max)
}
