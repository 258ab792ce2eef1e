package workers

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// requeueTimeout bounds storing a requeued copy.
const requeueTimeout = 5 * time.Second

// requeue handles an event whose last allowed delivery ended in a planned
// wait (Wait: for example the shared rate-limit pause), not a failure.
// JetStream counts every delivery, so a long series of pauses would
// otherwise send an event that never failed to the dead-letter queue.
// Instead a copy goes to the worker's replay subject on the same partition,
// with the original's dedup key (so its idempotency marker still applies),
// and the original is terminated: the copy starts again at delivery one.
// When the copy cannot be stored the event is dead-lettered as before.
func (r *Runner) requeue(ctx context.Context, ev *Event, herr error) outcome {
	a, ok := events.ParseSubject(ev.Subject)
	if !ok {
		return r.deadLetter(ctx, ev, shortReason("cannot requeue", herr), herr)
	}
	partition := a.Partition
	subject := events.BotReplaySubject(r.cfg.Name, a.Bot, a.Resource, a.Event, partition)
	// The copy is stored in the stream of its partition's shard.
	stream := r.cfg.Sharding().StreamOf(partition)
	msg := events.CopyEvent(subject, ev.Raw, ev.Header,
		events.Provenance{OrigSeq: events.OrigSeqOr(ev.Header, ev.StreamSeq), DedupKey: ev.DedupKey})
	events.SetBot(msg.Header, a.Bot)
	// Retried after a failed ack, the same copy is stored once; the
	// copies of events of two streams (stored before the shards changed)
	// may share a stream.
	msg.Header.Set(events.HeaderMsgID, "requeue:"+r.cfg.Name+":"+storedID(ev.Stream, ev.StreamSeq))
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requeueTimeout)
	defer cancel()
	if _, err := r.js.PublishMsg(pctx, msg, jetstream.WithExpectStream(stream)); err != nil {
		r.log.Warn("requeue failed; dead-lettering instead", append(r.attrs(ev, herr), "requeue_error", err)...)
		return r.deadLetter(ctx, ev, shortReason(fmt.Sprintf("waited through %d deliveries", ev.Delivered), herr), herr)
	}
	if ev.msg != nil {
		if err := ev.msg.TermWithReason("requeued after waiting"); err != nil {
			r.log.Warn("terminating a requeued event failed; it may be delivered again", "stream_seq", ev.StreamSeq, "error", err)
		}
	}
	r.log.Info("event requeued after waiting through its deliveries", append(r.attrs(ev, herr), "copy", msg.Subject)...)
	return outcomeRequeued
}
