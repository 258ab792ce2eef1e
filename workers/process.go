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

// process handles one delivery from start to settlement.
func (r *Runner) process(work context.Context, h Handler, msg jetstream.Msg) {
	webhook := r.cfg.Input == nil
	ev, err := newEvent(msg, webhook)
	if err != nil {
		// Without metadata the message cannot be retried meaningfully.
		r.log.Error("message without JetStream metadata terminated", "subject", msg.Subject(), "error", err)
		_ = msg.Term()
		return
	}
	ev.Ordered = r.cfg.Ordered
	r.inFlight.Add(1)
	r.metrics.inFlight.Inc()
	defer func() {
		r.metrics.inFlight.Dec()
		r.inFlight.Add(-1)
	}()

	var herr error
	if webhook && ev.Envelope == nil {
		// An undecodable body fails the same way on every delivery.
		herr = Permanent(fmt.Errorf("decode webhook body: %w", ev.decodeErr))
	} else {
		start := time.Now()
		herr = r.handle(work, h, ev)
		r.metrics.duration.Observe(time.Since(start).Seconds())
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(work), settleTimeout)
	defer cancel()
	r.settle(ctx, ev, herr)
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
