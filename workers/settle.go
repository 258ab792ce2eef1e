package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// settle maps the handler's result to a JetStream verb, counts the outcome
// and logs every outcome but ok.
func (r *Runner) settle(ctx context.Context, ev *Event, herr error) {
	var o outcome
	switch {
	case herr == nil:
		o = outcomeOK
		r.ack(ctx, ev, ev.marked)
	case IsDeferred(herr):
		// Checked before every other kind: the work is stored elsewhere,
		// so the event must not come back.
		o = outcomeDeferred
		r.ack(ctx, ev, ev.marked)
		r.log.Info("event deferred", r.attrs(ev, herr)...)
	case IsIgnored(herr):
		o = outcomeIgnored
		if errors.Is(herr, ErrDuplicate) {
			o = outcomeDuplicate
		}
		r.ack(ctx, ev, true)
		// Every reply a bot sends comes back as an ignored event: at info
		// level that would double the log. Duplicates are rarer and worth
		// seeing.
		level := slog.LevelDebug
		if o == outcomeDuplicate {
			level = slog.LevelInfo
		}
		r.log.Log(ctx, level, "event "+string(o), r.attrs(ev, herr)...)
	case IsPermanent(herr):
		o = r.deadLetter(ctx, ev, shortReason("permanent", herr), herr)
	case ev.Delivered >= uint64(r.cfg.MaxDeliver) && isPlanned(herr) && r.src.requeues():
		o = r.requeue(ctx, ev, herr)
	case ev.Delivered >= uint64(r.cfg.MaxDeliver):
		why := fmt.Sprintf("gave up after %d deliveries", ev.Delivered)
		o = r.deadLetter(ctx, ev, shortReason(why, herr), herr)
	default:
		o = outcomeRetry
		d := r.retryDelay(ev, herr)
		r.nak(ev, d)
		level := slog.LevelWarn
		if isPlanned(herr) {
			level = slog.LevelDebug
		}
		r.log.Log(ctx, level, "event will be retried", append(r.attrs(ev, herr), "retry_in", d)...)
	}
	r.metrics.handled[o].Inc()
}

// deadLetter copies ev to the DLQ and terminates it. When the copy cannot
// be stored the event is nak'd instead, so it is not dropped.
func (r *Runner) deadLetter(ctx context.Context, ev *Event, reason string, herr error) outcome {
	if err := publishDeadLetter(ctx, r.js, r.cfg.Name, ev, herr, r.src.deadLetter(r.cfg.Name, ev, reason, herr)); err != nil {
		d := r.cfg.Backoff.Delay(ev.Delivered)
		r.nak(ev, d)
		attrs := append(r.attrs(ev, herr), "dlq_error", err, "retry_in", d)
		if ev.Delivered >= uint64(r.cfg.MaxDeliver) {
			// JetStream will not deliver it again; it stays in the stream.
			attrs = append(attrs, "action", "replay this stream sequence")
		}
		r.log.Error("dead letter not stored; event nak'd instead", attrs...)
		return outcomeDLQFailed
	}
	if ev.msg != nil {
		if err := ev.msg.TermWithReason(reason); err != nil {
			r.log.Warn("terminating dead-lettered event failed; it may be delivered again", "stream_seq", ev.StreamSeq, "error", err)
		}
	}
	r.log.Error("event dead-lettered", append(r.attrs(ev, herr), "reason", reason)...)
	return outcomeDeadLetter
}

// ack confirms ev. Where a redelivery would be skipped anyway (the
// event's idempotency marker is written, or its handler ignored it) a plain
// ack is enough and costs the server half as much; otherwise the runner
// waits for the server to acknowledge the ack, so that a worker that stops
// right after does not see the event, and repeat its effect, again.
func (r *Runner) ack(ctx context.Context, ev *Event, guarded bool) {
	if ev.msg == nil {
		return
	}
	var err error
	if guarded {
		err = ev.msg.Ack()
	} else {
		err = ev.msg.DoubleAck(ctx)
	}
	if err != nil {
		r.log.Warn("ack failed; the event will be redelivered", "stream_seq", ev.StreamSeq, "dedup_key", ev.DedupKey, "error", err)
	}
}

func (r *Runner) nak(ev *Event, d time.Duration) {
	if ev.msg == nil {
		return
	}
	if err := ev.msg.NakWithDelay(d); err != nil {
		r.log.Warn("nak failed; the event is redelivered after its ack wait", "stream_seq", ev.StreamSeq, "error", err)
	}
}

// attrs are the fields of every outcome log line. The body is never logged.
func (r *Runner) attrs(ev *Event, err error) []any {
	return []any{
		slog.String("subject", ev.Subject),
		slog.Uint64("stream_seq", ev.StreamSeq),
		slog.Uint64("delivered", ev.Delivered),
		slog.String("dedup_key", ev.DedupKey),
		slog.Any("error", err),
	}
}
