package workers

import "github.com/nats-io/nats.go"

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
