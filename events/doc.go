// Package events is the contract between ingest and the workers.
//
// It owns everything both sides must agree on: the shape of a Webex webhook
// envelope and how it is validated, the subjects an event is stored under,
// the dedup key that makes a redelivered webhook harmless, the message
// headers ingest sets, and the declared JetStream streams, consumers and
// key-value buckets together with Provision, which creates or updates them.
//
// The package imports nothing else of webexpipe, so ingest, workers and tools
// can all depend on it without depending on each other.
package events
