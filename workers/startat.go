package workers

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StartAt is where a newly created consumer begins. JetStream cannot move an
// existing consumer, so it applies only the first time a worker type runs;
// to start over, delete the consumer.
type StartAt struct {
	policy startPolicy
	time   time.Time
}

type startPolicy int

const (
	startNew startPolicy = iota
	startAll
	startTime
)

// The start positions. The zero StartAt is StartNew.
var (
	// StartNew takes only events stored after the consumer is created.
	StartNew = StartAt{policy: startNew}
	// StartAll takes every event still in the stream.
	StartAll = StartAt{policy: startAll}
)

// StartTime takes the events stored at or after t.
func StartTime(t time.Time) StartAt { return StartAt{policy: startTime, time: t} }

// apply sets cfg's deliver policy for a consumer about to be created.
func (s StartAt) apply(cfg *jetstream.ConsumerConfig) {
	switch s.policy {
	case startAll:
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	case startTime:
		t := s.time
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		cfg.OptStartTime = &t
	default:
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
	}
}

// String names the position for logs.
func (s StartAt) String() string {
	switch s.policy {
	case startAll:
		return "all"
	case startTime:
		return "time " + s.time.UTC().Format(time.RFC3339)
	}
	return "new"
}

// keepPosition copies the fields JetStream will not change on an existing
// consumer, so that updating it does not fail.
func keepPosition(cfg *jetstream.ConsumerConfig, existing jetstream.ConsumerConfig) {
	cfg.DeliverPolicy = existing.DeliverPolicy
	cfg.OptStartSeq = existing.OptStartSeq
	cfg.OptStartTime = existing.OptStartTime
}
