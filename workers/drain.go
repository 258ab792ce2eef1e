package workers

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// drainGrace is how long Run still waits, after DrainTimeout cancelled the
// handlers' contexts, for them to return and be settled.
const drainGrace = 2 * time.Second

// drain waits for running handlers, up to DrainTimeout; then it cancels
// their contexts and waits drainGrace more for them to be settled.
func (r *Runner) drain(handlers *sync.WaitGroup, abort context.CancelFunc) error {
	r.log.Info("worker stopping; draining in-flight handlers", "in_flight", r.inFlight.Load(), "drain_timeout", r.cfg.DrainTimeout)
	done := make(chan struct{})
	// This goroutine ends when the last handler does; only a handler that
	// ignores its cancelled context can keep it after Run returns.
	go func() {
		handlers.Wait()
		close(done)
	}()
	if waitFor(done, r.cfg.DrainTimeout) {
		r.log.Info("worker stopped")
		return nil
	}
	cut := r.inFlight.Load()
	abort()
	if waitFor(done, drainGrace) {
		r.log.Warn("worker stopped; drain timed out, handlers were cancelled", "cancelled", cut)
		return fmt.Errorf("worker %s: %w: %d handlers cancelled", r.cfg.Name, ErrDrainTimeout, cut)
	}
	left := r.inFlight.Load()
	r.log.Error("worker stopped; handlers ignore cancellation and were abandoned", "abandoned", left)
	return fmt.Errorf("worker %s: %w: %d handlers abandoned", r.cfg.Name, ErrDrainTimeout, left)
}

// waitFor reports whether done closed within d.
func waitFor(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
