package ingest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// delivery is one accepted webhook, ready to be stored.
type delivery struct {
	env        *events.Envelope
	bot        string // the bot whose delivery it is
	body       []byte // the raw bytes as received, stored unchanged
	signature  string // X-Spark-Signature as received; "" when absent
	dedupKey   string // events.BotDedupKey of bot, env and body, made once
	receivedAt time.Time
}

// publisher stores deliveries in the events stream of their partition's
// shard and waits for the acknowledgement. It is kept apart from the
// handler so that a local spool (store now, forward later) can take its
// place without touching HTTP code. It is safe for concurrent use.
type publisher struct {
	js       jetstream.JetStream
	sharding events.Sharding
	timeout  time.Duration
	// shardOpts[k] are the options of every attempt to store in shard k;
	// made once, read only.
	shardOpts [][]jetstream.PublishOpt
}

func newPublisher(js jetstream.JetStream, sharding events.Sharding, timeout time.Duration) *publisher {
	p := &publisher{js: js, sharding: sharding, timeout: timeout}
	for _, stream := range sharding.Streams() {
		p.shardOpts = append(p.shardOpts, publishOpts(stream))
	}
	return p
}

// message builds the stored form of d: its raw body on its bot's subject,
// with the headers every stored event carries (see events.Header*).
func (p *publisher) message(d delivery) *nats.Msg {
	part := events.Partition(d.env.PartitionKey(), p.sharding.Partitions)
	return &nats.Msg{
		Subject: events.BotEventSubject(d.bot, d.env.Resource, d.env.Event, part),
		Data:    d.body,
		Header:  eventHeaders(d),
	}
}

// optsFor are the publish options of a message on subject: those of the
// shard its partition belongs to. A subject that names no partition is
// not an event ingest can store.
func (p *publisher) optsFor(subject string) ([]jetstream.PublishOpt, error) {
	_, _, part, ok := events.SubjectTokens(subject)
	if !ok {
		return nil, fmt.Errorf("subject %s is not an event subject", subject)
	}
	return p.shardOpts[p.sharding.Of(part)], nil
}

// publish stores msg and returns JetStream's acknowledgement. It waits at
// most p.timeout, and no longer than ctx allows. An error wraps ErrNotStored
// and the cause; see classify for what the client is told.
//
// A stream leader election (a node restarting, a cluster rolling) shows up
// as a request nobody answers or no responders, for a second or two. Such an
// attempt is repeated within the deadline after a short jittered pause, with
// the same message and so the same Nats-Msg-Id: if an earlier attempt was
// stored after all, the stream's duplicate window turns the repeat into an
// acknowledgement of that copy, never a second one. Only an acknowledgement
// counts as stored.
func (p *publisher) publish(ctx context.Context, msg *nats.Msg) (*jetstream.PubAck, error) {
	// The deadline is kept as a time rather than a context of its own:
	// one context per attempt is all a delivery costs when the first
	// attempt succeeds, as nearly all do.
	deadline := time.Now().Add(p.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	opts, err := p.optsFor(msg.Subject)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotStored, err)
	}
	pause := retryPauseMin
	var cause error // what went wrong, preferring a reason over a timeout
	for {
		ack, err := p.attempt(ctx, msg, opts, deadline)
		if err == nil {
			return ack, nil
		}
		if cause == nil || !timedOut(err) {
			cause = err
		}
		if !retryable(err) || ctx.Err() != nil || !sleepUntil(ctx, time.Now().Add(jitter(pause)), deadline) {
			return nil, fmt.Errorf("%w: publish %s: %w", ErrNotStored, msg.Subject, cause)
		}
		pause = min(2*pause, retryPauseMax)
	}
}

func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

// Pauses between publish attempts, and the share of the publish timeout one
// attempt may use, so that a request lost to a dead leader leaves time for
// another.
const (
	retryPauseMin   = 50 * time.Millisecond
	retryPauseMax   = 500 * time.Millisecond
	attemptFraction = 3
	minAttemptWait  = 500 * time.Millisecond
)

// publishOpts go with every attempt to store in stream. WithExpectStream
// makes the server refuse the event unless it lands in the stream of its
// shard, so neither another shard (streams provisioned with another
// EVENTS_SHARDS) nor a subject bound to some other stream by mistake
// swallows it: it is not stored, and the answer is 503. The client's own
// retry of no responders is off: publish paces the attempts and keeps the
// reason.
func publishOpts(stream string) []jetstream.PublishOpt {
	return []jetstream.PublishOpt{jetstream.WithExpectStream(stream), jetstream.WithRetryAttempts(0)}
}

// attempt publishes msg once, bounded by a share of the publish timeout
// and by deadline.
func (p *publisher) attempt(ctx context.Context, msg *nats.Msg, opts []jetstream.PublishOpt, deadline time.Time) (*jetstream.PubAck, error) {
	wait := max(p.timeout/attemptFraction, minAttemptWait)
	until := time.Now().Add(wait)
	if deadline.Before(until) {
		until = deadline
	}
	actx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	return p.js.PublishMsg(actx, msg, opts...)
}

// retryable reports whether a publish error may be a passing leader change:
// no responders, or an attempt that timed out. A refusal by the stream is
// final, and so is a connection that is closed or reconnecting (the spool,
// when configured, takes over then).
func retryable(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) || timedOut(err)
}

// jitter spreads d over [d/2, 3d/2) so that many requests failing together
// do not retry together.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}

// sleepUntil waits until at, or reports false when ctx ends or deadline
// comes first.
func sleepUntil(ctx context.Context, at, deadline time.Time) bool {
	if !at.Before(deadline) {
		return false
	}
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// eventHeaders are the headers every stored event carries, and the bot's
// (events.SetBot) when it is not the default bot. The values share one
// backing array: one allocation instead of one per header.
func eventHeaders(d delivery) nats.Header {
	vals := make([]string, 0, 7)
	h := make(nats.Header, 7)
	set := func(k, v string) {
		vals = append(vals, v)
		h[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	set(events.HeaderMsgID, events.MsgID(d.dedupKey))
	if d.env.ID != "" {
		set(events.HeaderWebhookID, d.env.ID)
	}
	set(events.HeaderResource, d.env.Resource)
	set(events.HeaderEvent, d.env.Event)
	set(events.HeaderReceivedAt, d.receivedAt.UTC().Format(time.RFC3339Nano))
	if d.signature != "" {
		set(events.HeaderSignature, d.signature)
	}
	if d.bot != events.DefaultBot && d.bot != "" {
		set(events.HeaderBot, d.bot) // as events.SetBot writes it
	}
	return h
}
