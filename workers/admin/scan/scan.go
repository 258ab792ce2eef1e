package scan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// ErrStop, returned by a scan's callback, ends the scan early without an
// error.
var ErrStop = errors.New("scan: stop")

// ErrStalled means the server announced messages but none came within
// Range.IdleTimeout: the scan gave up rather than wait forever.
var ErrStalled = errors.New("scan: no message arrived")

// DefaultIdleTimeout bounds the wait for the next message of a scan.
const DefaultIdleTimeout = 10 * time.Second

// Range selects the messages of a scan.
type Range struct {
	// Stream is the stream to read; empty means events.EventsStream, the
	// first shard of the events. A scan reads one stream: with more shards
	// (events.Sharding) the caller scans each of them.
	Stream string
	// Filters are subject filters (wildcards allowed); at least one.
	Filters []string
	// FromSeq starts at this stream sequence. When zero, Since starts at
	// the first message stored at or after that time; when both are zero
	// the scan starts at the first message.
	FromSeq uint64
	Since   time.Time
	// Until ends the scan before the first message stored after it; zero
	// means up to the last message stored when the scan began.
	Until time.Time
	// ToSeq ends the scan after this stream sequence; zero means the last
	// message stored when the scan began.
	ToSeq uint64
	// HeadersOnly fetches headers without bodies: much less to transfer
	// when the callback needs only headers (Msg.Data is then empty).
	HeadersOnly bool
	// IdleTimeout bounds the wait for one message; zero means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// Msg is one stored message.
type Msg struct {
	// Stream is the stream it is stored in, Seq its sequence there.
	Stream  string
	Seq     uint64
	Time    time.Time
	Subject string
	Header  nats.Header
	Data    []byte
	// Pending is how many matching messages follow this one in the stream
	// right now, including any stored after the scan began.
	Pending uint64
}

// Start says where a scan begins, for progress reports: how many matching
// messages the server counted ahead of the scan when it began (an upper
// bound of what the scan sees, since it stops at the stream's end as it was
// then) and that end's sequence.
type Start struct {
	Pending uint64
	LastSeq uint64
}

// Each calls fn for every message of r, in stream order, one at a time. fn
// may return ErrStop to end the scan early; any other error ends it and is
// returned. onStart, when not nil, is called once before the first message.
func Each(ctx context.Context, js jetstream.JetStream, r Range, onStart func(Start), fn func(*Msg) error) error {
	if len(r.Filters) == 0 {
		return errors.New("scan: no subject filter")
	}
	if r.Stream == "" {
		r.Stream = events.EventsStream
	}
	if r.IdleTimeout <= 0 {
		r.IdleTimeout = DefaultIdleTimeout
	}
	stream, err := js.Stream(ctx, r.Stream)
	if err != nil {
		return fmt.Errorf("scan: open %s: %w", r.Stream, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("scan: %s info: %w", r.Stream, err)
	}
	last := info.State.LastSeq
	if r.ToSeq != 0 && r.ToSeq < last {
		last = r.ToSeq
	}
	if last == 0 || (r.FromSeq != 0 && r.FromSeq > last) {
		if onStart != nil {
			onStart(Start{LastSeq: last})
		}
		return nil
	}
	cons, err := stream.OrderedConsumer(ctx, r.consumerConfig())
	if err != nil {
		return fmt.Errorf("scan: ordered consumer on %s: %w", r.Stream, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("scan: read %s: %w", r.Stream, err)
	}
	defer func() {
		it.Stop()
		remove(js, r.Stream, cons)
	}()
	pending := uint64(0)
	if ci := cons.CachedInfo(); ci != nil {
		pending = ci.NumPending
	}
	if onStart != nil {
		onStart(Start{Pending: pending, LastSeq: last})
	}
	if pending == 0 {
		return nil
	}
	for {
		m, err := r.next(ctx, it)
		if err != nil {
			return err
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("scan: message metadata: %w", err)
		}
		seq := md.Sequence.Stream
		if seq > last || (!r.Until.IsZero() && md.Timestamp.After(r.Until)) {
			return nil
		}
		err = fn(&Msg{Stream: r.Stream, Seq: seq, Time: md.Timestamp, Subject: m.Subject(), Header: m.Headers(), Data: m.Data(), Pending: md.NumPending})
		switch {
		case errors.Is(err, ErrStop):
			return nil
		case err != nil:
			return err
		case seq == last || md.NumPending == 0:
			return nil
		}
	}
}

// next waits for the next message, at most IdleTimeout.
func (r Range) next(ctx context.Context, it jetstream.MessagesContext) (jetstream.Msg, error) {
	wctx, cancel := context.WithTimeout(ctx, r.IdleTimeout)
	defer cancel()
	m, err := it.Next(jetstream.NextContext(wctx))
	switch {
	case err == nil:
		return m, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		return nil, fmt.Errorf("%w within %s", ErrStalled, r.IdleTimeout)
	}
	return nil, fmt.Errorf("scan: next message: %w", err)
}

func (r Range) consumerConfig() jetstream.OrderedConsumerConfig {
	cfg := jetstream.OrderedConsumerConfig{
		FilterSubjects:    r.Filters,
		HeadersOnly:       r.HeadersOnly,
		InactiveThreshold: 30 * time.Second, // the server removes it if remove could not
	}
	switch {
	case r.FromSeq != 0:
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = r.FromSeq
	case !r.Since.IsZero():
		t := r.Since
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		cfg.OptStartTime = &t
	default:
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	}
	return cfg
}

// remove deletes the scan's consumer at once rather than leaving it to the
// server's inactivity clean-up, so that it does not linger in `webexpipe
// status`. Failing that, the clean-up removes it.
func remove(js jetstream.JetStream, stream string, cons jetstream.Consumer) {
	ci := cons.CachedInfo()
	if ci == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = js.DeleteConsumer(ctx, stream, ci.Name)
}
