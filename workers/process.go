package workers

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// settleTimeout bounds the ack, nak or dead-letter publish that ends a
// delivery. It does not follow the run's context: a handler that finished
// during shutdown is still settled.
const settleTimeout = 10 * time.Second

// receive builds the Event of a delivery. A message without JetStream
// metadata cannot be retried meaningfully: it is terminated.
func (r *Runner) receive(msg jetstream.Msg) (*Event, bool) {
	ev, err := r.src.event(msg)
	if err != nil {
		r.log.Error("message without JetStream metadata terminated", "subject", msg.Subject(), "error", err)
		_ = msg.Term()
		return nil, false
	}
	return ev, true
}

// processEvent handles one delivery from start to settlement. stop is the
// run's context: in ordered mode an event waiting to be retried in place
// stops waiting at shutdown and is handed back instead.
func (r *Runner) processEvent(stop, work context.Context, h Handler, ev *Event) {
	r.inFlight.Add(1)
	r.metrics.inFlight.Inc()
	defer func() {
		r.metrics.inFlight.Dec()
		r.inFlight.Add(-1)
	}()

	var herr error
	if ev.decodeErr != nil {
		// An undecodable body fails the same way on every delivery.
		herr = Permanent(fmt.Errorf("decode webhook body: %w", ev.decodeErr))
	} else {
		for {
			start := time.Now()
			herr = r.handle(work, h, ev)
			r.metrics.duration.Observe(time.Since(start).Seconds())
			if !ev.Ordered || !r.retriesInPlace(ev, herr) || !r.waitInPlace(stop, work, ev, herr) {
				break
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(work), settleTimeout)
	defer cancel()
	r.settle(ctx, ev, herr)
}

// retriesInPlace reports whether an ordered event that failed with herr is
// handled again here rather than settled: any retryable failure before its
// last delivery. Handing it back would let the server deliver its room's
// next events meanwhile.
func (r *Runner) retriesInPlace(ev *Event, herr error) bool {
	if herr == nil || IsDeferred(herr) || IsIgnored(herr) || IsPermanent(herr) {
		return false
	}
	return ev.Delivered < uint64(r.cfg.MaxDeliver)
}

// waitInPlace waits out the retry delay of an ordered event, keeping it
// alive, and counts the next attempt as a delivery (a planned wait, such
// as the shared rate-limit pause, spends none). It reports false when the
// run stops meanwhile: the event is then settled, and so handed back, as
// in the shared mode.
func (r *Runner) waitInPlace(stop, work context.Context, ev *Event, herr error) bool {
	d := r.retryDelay(ev, herr)
	r.log.Debug("ordered event retried in place", append(r.attrs(ev, herr), "retry_in", d)...)
	alive := keepAlive(work, ev, r.cfg.AckWait/3, r.log)
	defer alive()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-stop.Done():
		return false
	case <-work.Done():
		return false
	case <-t.C:
	}
	if !isPlanned(herr) {
		ev.Delivered++
	}
	// The earlier attempt may have had an effect: the handler looks
	// before it acts again.
	ev.attempted = true
	r.metrics.handled[outcomeRetry].Inc()
	return true
}

// retryDelay is how long a retryable failure waits: what the error asks
// for (bounded by Backoff.Max), else the backoff for its delivery.
func (r *Runner) retryDelay(ev *Event, herr error) time.Duration {
	if d, ok := RetryDelay(herr); ok {
		return r.cfg.Backoff.clamp(d)
	}
	return r.cfg.Backoff.Delay(ev.Delivered)
}

// handle runs h for ev, bounded by HandlerTimeout, while keeping the
// delivery alive with InProgress. The handler's context carries ev (see
// EventFrom).
func (r *Runner) handle(work context.Context, h Handler, ev *Event) error {
	ctx, cancel := context.WithTimeout(ContextWithEvent(work, ev), r.cfg.HandlerTimeout)
	defer cancel()
	stop := keepAlive(ctx, ev, r.cfg.AckWait/3, r.log)
	defer stop()
	return h.Handle(ctx, ev)
}
