package replay

import (
	"context"
	"time"
)

// pacer spaces events rate per second apart, counted from the first, so
// that a slow publish does not lower the overall rate and a pause is not
// made up for with a burst larger than one event.
type pacer struct {
	interval time.Duration // zero: no limit
	next     time.Time
}

func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return &pacer{}
	}
	return &pacer{interval: time.Duration(float64(time.Second) / rate)}
}

// wait blocks until the next event may go.
func (p *pacer) wait(ctx context.Context) error {
	if p.interval == 0 {
		return ctx.Err()
	}
	now := time.Now()
	if p.next.IsZero() || p.next.Before(now) {
		p.next = now
	}
	if d := p.next.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.next = p.next.Add(p.interval)
	return nil
}
