package workers

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// Input lets a runner consume a stream other than WEBEX_EVENTS, such as the
// retry worker's WEBEX_CALLS, with everything else the runtime does:
// bounded pulls, InProgress, outcome mapping, dead letters, drain, metrics.
//
// Messages from an Input are not webhooks. The handler gets them undecoded:
// Event.Envelope is nil, Event.Raw is the body, and Event.DedupKey is the
// message's Nats-Msg-Id. Config.Events is not used, and Idempotency markers
// are usually pointless (Config.Idempotent false): such a worker keeps its
// own state.
type Input struct {
	// Stream is the stream to consume, e.g. events.CallsStream.
	Stream string
	// FilterSubjects select the messages of the worker's durable consumer,
	// e.g. events.CallsFilter.
	FilterSubjects []string
	// DeadLetter builds the dead letter of a message the handler gave up
	// on, from the handler's error (cause) and a short reason; the runner
	// publishes it on webex.dlq.<worker> and sets Nats-Msg-Id. Nil copies the
	// message with the headers used for events.
	DeadLetter func(ev *Event, reason string, cause error) *nats.Msg
}

// validate reports an Input that cannot work.
func (in *Input) validate(worker string) error {
	switch {
	case in.Stream == "":
		return fmt.Errorf("worker %s: input stream is required", worker)
	case len(in.FilterSubjects) == 0:
		return fmt.Errorf("worker %s: input filter subjects are required", worker)
	}
	return nil
}

// stream is the stream the runner consumes.
func (c Config) stream() string {
	if c.Input != nil {
		return c.Input.Stream
	}
	return events.EventsStream
}

// inputConsumerConfig is the durable consumer of an Input: the same
// settings as a webhook worker's, with the Input's filters.
func (c Config) inputConsumerConfig() (jetstream.ConsumerConfig, error) {
	if !events.ValidToken(c.Name) {
		return jetstream.ConsumerConfig{}, fmt.Errorf("worker name %q: %w", c.Name, events.ErrUnsafeToken)
	}
	if err := c.Input.validate(c.Name); err != nil {
		return jetstream.ConsumerConfig{}, err
	}
	if c.Input.Stream == events.EventsStream {
		return jetstream.ConsumerConfig{}, errors.New("worker " + c.Name + ": use Events, not Input, to consume webhook events")
	}
	return jetstream.ConsumerConfig{
		Durable:        c.Name,
		Description:    "webexpipe worker " + c.Name,
		FilterSubjects: append([]string(nil), c.Input.FilterSubjects...),
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        c.AckWait,
		MaxDeliver:     c.MaxDeliver,
		MaxAckPending:  c.MaxAckPending,
	}, nil
}
