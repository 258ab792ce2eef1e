package pipelined

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Options.
const (
	DefaultMaxInFlight = 128
	DefaultAckTimeout  = 10 * time.Second
)

// Options configure a Publisher.
type Options struct {
	// MaxInFlight bounds the publishes sent whose acknowledgement has not
	// been received; Publish waits for the oldest beyond it. Default
	// DefaultMaxInFlight.
	MaxInFlight int
	// AckTimeout bounds the wait for one acknowledgement, counted from
	// when the message was sent. Default DefaultAckTimeout.
	AckTimeout time.Duration
	// PublishOpts go with every publish, before the ones given to
	// Publish (e.g. jetstream.WithExpectStream).
	PublishOpts []jetstream.PublishOpt
}

func (o Options) withDefaults() Options {
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	return o
}

// Result is how one publish ended: Ack when JetStream acknowledged it
// (Ack.Duplicate when the duplicate window dropped it as a copy), Err
// otherwise.
type Result struct {
	Msg *nats.Msg
	Ack *jetstream.PubAck
	Err error
}

// Publisher sends messages with PublishMsgAsync, at most MaxInFlight
// unacknowledged at a time, and hands each result to the callback given
// with the message, in publish order, on the caller's goroutine (from
// Publish, Poll or Wait). It starts no goroutine.
// Not safe for concurrent use: one producer owns it.
type Publisher struct {
	js   jetstream.JetStream
	opts Options

	queue    []entry // sent, result not yet reported; oldest first
	inFlight int     // entries of queue that are publishes
	failed   error   // first failure since the last Wait
}

// entry is a publish waiting for its result, or a Then callback waiting
// for the publishes before it.
type entry struct {
	msg   *nats.Msg
	fut   jetstream.PubAckFuture // nil for a Then, or when sending failed
	err   error                  // sending failed
	sent  time.Time
	done  func(Result)
	after func()
}

// New returns a Publisher sending on js's connection.
//
// It publishes through a JetStream context of its own on that connection
// (publishing needs none of js's API settings), whose asynchronous
// publishes time out after AckTimeout: a JetStream context forgets a
// publish nobody answered only when it has a timeout or the connection
// reconnects, and enough unanswered ones (its limit, 4,000 by default)
// would block every later publish. The context's reply subscription and its watcher
// of the connection's state last as long as the connection, so make one
// Publisher per producer, not one per batch.
func New(js jetstream.JetStream, o Options) *Publisher {
	o = o.withDefaults()
	// The client retries a publish nobody answered on its own, later,
	// which would store it after messages published behind it. A failure
	// is reported instead; the caller resumes in order.
	o.PublishOpts = append([]jetstream.PublishOpt{jetstream.WithRetryAttempts(0)}, o.PublishOpts...)
	// The context's own bound stays out of the way: it counts publishes
	// this Publisher gave up on until the context's timeout drops them.
	own, err := jetstream.New(js.Conn(), jetstream.WithPublishAsyncTimeout(o.AckTimeout),
		jetstream.WithPublishAsyncMaxPending(max(4000, 2*o.MaxInFlight)))
	if err != nil {
		// jetstream.New fails only for a nil connection.
		own = js
	}
	return &Publisher{js: own, opts: o}
}

// Publish sends msg without waiting for its acknowledgement, waiting
// first, when MaxInFlight are outstanding, for the oldest to end. done, if
// not nil, gets msg's result once every earlier result was reported.
//
// An error means msg was not sent: ctx had ended (the error is ctx's), an
// earlier publish failed (ErrStopped, wrapping that failure), ctx ended
// while waiting for room (the oldest publish is reported failed), or the
// client refused to send it (e.g. nats.ErrMaxPayload; done still gets that
// result, in its turn). But for the first case, the Publisher sends
// nothing more until Wait.
func (p *Publisher) Publish(ctx context.Context, msg *nats.Msg, done func(Result), opts ...jetstream.PublishOpt) error {
	p.Poll()
	for p.failed == nil && p.inFlight >= p.opts.MaxInFlight {
		p.resolveHead(ctx, true)
	}
	if p.failed != nil {
		return fmt.Errorf("%w: %w", ErrStopped, p.failed)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(opts) > 0 {
		opts = append(append([]jetstream.PublishOpt{}, p.opts.PublishOpts...), opts...)
	} else {
		opts = p.opts.PublishOpts
	}
	e := entry{msg: msg, done: done, sent: time.Now()}
	e.fut, e.err = p.js.PublishMsgAsync(msg, opts...)
	if e.err != nil {
		e.err = fmt.Errorf("publish %s: %w", msg.Subject, e.err)
		p.queue = append(p.queue, e)
		p.failed = e.err
		return e.err
	}
	p.queue = append(p.queue, e)
	p.inFlight++
	return nil
}

// Then queues f to run once every publish before it has its result, so
// that a caller's bookkeeping of messages it did not publish keeps their
// place among those it did. It runs f at once when nothing is outstanding.
func (p *Publisher) Then(f func()) {
	if len(p.queue) == 0 {
		f()
		return
	}
	p.queue = append(p.queue, entry{after: f})
}

// InFlight is the number of publishes sent whose result has not been
// reported.
func (p *Publisher) InFlight() int { return p.inFlight }

// Wait reports the result of every outstanding publish, in order, and
// returns the first failure since the last Wait, nil when every publish
// was acknowledged. When ctx ends first, the publishes still unanswered
// are reported failed with ctx's error (they may have been stored). The
// Publisher can be used again afterwards.
func (p *Publisher) Wait(ctx context.Context) error {
	for len(p.queue) > 0 {
		p.resolveHead(ctx, true)
	}
	err := p.failed
	p.failed = nil
	return err
}

// Poll reports the results that are in already, in order, without
// waiting: the results of a slow stream of publishes need not wait for
// the next Publish that makes room. Publish polls too.
func (p *Publisher) Poll() {
	for len(p.queue) > 0 && p.resolveHead(context.Background(), false) {
	}
}

// resolveHead reports the oldest entry's result, waiting for it when wait
// is set, and reports whether it did.
func (p *Publisher) resolveHead(ctx context.Context, wait bool) bool {
	e := p.queue[0]
	r := Result{Msg: e.msg, Err: e.err}
	if e.fut != nil {
		var in bool
		if r, in = e.result(); !in {
			if !wait && time.Since(e.sent) < p.opts.AckTimeout {
				return false
			}
			r.Ack, r.Err = p.await(ctx, e)
		}
		p.inFlight--
	}
	p.queue[0] = entry{} // let go of the message
	p.queue = p.queue[1:]
	if e.after != nil {
		e.after()
		return true
	}
	if r.Err != nil && p.failed == nil {
		p.failed = r.Err
	}
	if e.done != nil {
		e.done(r)
	}
	return true
}

// result returns the result of e's publish when it is in.
func (e entry) result() (r Result, in bool) {
	r.Msg = e.msg
	select {
	case r.Ack = <-e.fut.Ok():
	case err := <-e.fut.Err():
		r.Err = publishError(e, err)
	default:
		return r, false
	}
	return r, true
}

func publishError(e entry, err error) error {
	if errors.Is(err, jetstream.ErrAsyncPublishTimeout) {
		return fmt.Errorf("publish %s: %w: %w", e.msg.Subject, ErrAckTimeout, err)
	}
	return fmt.Errorf("publish %s: %w", e.msg.Subject, err)
}

// await waits for e's acknowledgement until AckTimeout after it was sent
// or until ctx ends.
func (p *Publisher) await(ctx context.Context, e entry) (*jetstream.PubAck, error) {
	t := time.NewTimer(time.Until(e.sent.Add(p.opts.AckTimeout)))
	defer t.Stop()
	select {
	case ack := <-e.fut.Ok():
		return ack, nil
	case err := <-e.fut.Err():
		return nil, publishError(e, err)
	case <-t.C:
		return nil, fmt.Errorf("publish %s: %w after %s", e.msg.Subject, ErrAckTimeout, p.opts.AckTimeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("publish %s: %w", e.msg.Subject, ctx.Err())
	}
}
