package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// delivery is one accepted webhook, ready to be stored.
type delivery struct {
	env        *events.Envelope
	body       []byte // the raw bytes as received, stored unchanged
	signature  string // X-Spark-Signature as received; "" when absent
	receivedAt time.Time
}

// publisher stores deliveries in WEBEX_EVENTS and waits for the
// acknowledgement. It is kept apart from the handler so that a local spool
// (store now, forward later) can take its place without touching HTTP code.
// It is safe for concurrent use.
type publisher struct {
	js         jetstream.JetStream
	partitions int
	timeout    time.Duration
}

// message builds the stored form of d: its raw body on its subject, with
// the headers DESIGN.md promises.
func (p *publisher) message(d delivery) *nats.Msg {
	return &nats.Msg{
		Subject: d.env.Subject(p.partitions),
		Data:    d.body,
		Header:  eventHeaders(d),
	}
}

// publish stores msg and returns JetStream's acknowledgement. It waits at
// most p.timeout, and no longer than ctx allows. An error wraps ErrNotStored
// and the cause; see classify for what the client is told.
func (p *publisher) publish(ctx context.Context, msg *nats.Msg) (*jetstream.PubAck, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	// WithExpectStream makes the server refuse the event unless it lands in
	// WEBEX_EVENTS, so a subject bound to some other stream by mistake
	// never swallows it.
	ack, err := p.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(events.EventsStream))
	if err != nil {
		return nil, fmt.Errorf("%w: publish %s: %w", ErrNotStored, msg.Subject, err)
	}
	return ack, nil
}

// eventHeaders are the headers DESIGN.md promises on every stored event.
func eventHeaders(d delivery) nats.Header {
	h := nats.Header{}
	h.Set(events.HeaderMsgID, events.DedupKey(d.env, d.body))
	if d.env.ID != "" {
		h.Set(events.HeaderWebhookID, d.env.ID)
	}
	h.Set(events.HeaderResource, d.env.Resource)
	h.Set(events.HeaderEvent, d.env.Event)
	h.Set(events.HeaderReceivedAt, d.receivedAt.UTC().Format(time.RFC3339Nano))
	if d.signature != "" {
		h.Set(events.HeaderSignature, d.signature)
	}
	return h
}
