// Package backlog tells an operator how far behind a worker type is: the
// events its consumers have not delivered yet, the deliveries waiting for an
// acknowledgement, how long the oldest event not yet handled has waited,
// and how many of its events lie in the dead-letter queue.
//
// A Collector reads them from JetStream when Prometheus scrapes, within a
// short timeout, and reuses a reading for a few seconds so that frequent
// scrapes cost the server nothing more. Every replica of a worker type
// reports the same numbers (they share the consumers): aggregate them with
// max, not sum.
//
// The oldest event not yet handled is the first message after the
// consumer's ack floor that the consumer's filters select: everything up to
// the floor is acknowledged, and the first selected message after it is
// either being handled or not delivered yet. Its stored time gives the
// age. Reading it needs the stream's message get
// ($JS.API.STREAM.MSG.GET.<stream>), the dead letters the DLQ's stream info
// ($JS.API.STREAM.INFO.WEBEX_DLQ); events.Roles grants both to each
// worker's NATS user.
package backlog
