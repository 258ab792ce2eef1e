package workers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// source is what a runner consumes: the durable consumers that feed it,
// each on its stream, and how a stored message becomes an Event. The
// webhook events of WEBEX_EVENTS and its shards are one source, another
// stream given as Config.Input (the retry worker's WEBEX_CALLS) is
// another; everything else the runtime does is the same for both.
type source interface {
	// feeds declares the consumers to pull from: one shared consumer per
	// events shard, or one per partition in ordered mode; one for Input.
	feeds(c Config) []feedSpec
	// event builds the Event of a delivery. It fails only when msg
	// carries no JetStream metadata.
	event(msg jetstream.Msg) (*Event, error)
	// deadLetter builds the dead letter of ev.
	deadLetter(worker string, ev *Event, reason string, cause error) *nats.Msg
	// requeues reports whether an event that waited through all its
	// deliveries is stored again rather than dead-lettered.
	requeues() bool
}

// feedSpec is one consumer of a source: the stream it lives on, how to
// declare it, and whether it is one partition of an ordered worker type
// (partition >= 0). A durable name is unique per stream only: the shared
// consumers of the shards all bear the worker type's name.
type feedSpec struct {
	name      string
	stream    string
	partition int // -1: a shared consumer
	declare   func() (jetstream.ConsumerConfig, error)
}

// source picks the runner's source from the config.
func (c Config) source() source {
	if c.Input != nil {
		return streamSource{in: c.Input}
	}
	return webhookSource{}
}

// webhookSource is WEBEX_EVENTS and its shards: decoded webhooks, on one
// shared consumer per shard or, in ordered mode, one consumer per
// partition, on the partition's shard.
type webhookSource struct{}

func (webhookSource) feeds(c Config) []feedSpec {
	opts := events.ConsumerOptions{
		Worker: c.Name, Bot: c.Bot, Events: c.Events, AckWait: c.AckWait, MaxDeliver: c.MaxDeliver, MaxAckPending: c.MaxAckPending,
	}
	sh := c.Sharding()
	if !c.Ordered {
		// Each shard's consumer takes its share of MaxAckPending, so that
		// the worker type's events out at once stay within it.
		opts.MaxAckPending = c.shardWindow()
		specs := make([]feedSpec, 0, sh.Shards)
		for _, stream := range sh.Streams() {
			specs = append(specs, feedSpec{name: events.BotConsumerName(c.Name, c.Bot), stream: stream, partition: -1, declare: func() (jetstream.ConsumerConfig, error) {
				return events.ConsumerConfig(opts)
			}})
		}
		return specs
	}
	opts.MaxAckPending = c.partitionWindow()
	specs := make([]feedSpec, c.Partitions)
	for n := range specs {
		specs[n] = feedSpec{name: events.BotPartitionConsumerName(c.Name, c.Bot, n), stream: sh.StreamOf(n), partition: n, declare: func() (jetstream.ConsumerConfig, error) {
			return events.PartitionConsumerConfig(opts, n, c.PinTimeout)
		}}
	}
	return specs
}

func (webhookSource) event(msg jetstream.Msg) (*Event, error) { return newEvent(msg, true) }

func (webhookSource) deadLetter(worker string, ev *Event, reason string, _ error) *nats.Msg {
	return deadLetter(worker, ev, reason)
}

func (webhookSource) requeues() bool { return true }

// streamSource is a stream other than WEBEX_EVENTS (see Input): undecoded
// messages on one shared consumer.
type streamSource struct{ in *Input }

func (s streamSource) feeds(c Config) []feedSpec {
	name := events.BotConsumerName(c.Name, c.Bot)
	return []feedSpec{{name: name, stream: s.in.Stream, partition: -1, declare: func() (jetstream.ConsumerConfig, error) {
		if !events.ValidToken(c.Name) {
			return jetstream.ConsumerConfig{}, fmt.Errorf("worker name %q: %w", c.Name, events.ErrUnsafeToken)
		}
		desc := "webexpipe worker " + c.Name
		if name != c.Name {
			desc += ", bot " + c.Bot
		}
		return jetstream.ConsumerConfig{
			Durable:        name,
			Description:    desc,
			FilterSubjects: append([]string(nil), s.in.FilterSubjects...),
			AckPolicy:      jetstream.AckExplicitPolicy,
			AckWait:        c.AckWait,
			MaxDeliver:     c.MaxDeliver,
			MaxAckPending:  c.MaxAckPending,
		}, nil
	}}}
}

func (streamSource) event(msg jetstream.Msg) (*Event, error) { return newEvent(msg, false) }

func (s streamSource) deadLetter(worker string, ev *Event, reason string, cause error) *nats.Msg {
	if s.in.DeadLetter != nil {
		return s.in.DeadLetter(ev, reason, cause)
	}
	return deadLetter(worker, ev, reason)
}

// requeues is false: a stream's messages carry no partition to requeue on.
func (streamSource) requeues() bool { return false }

// validate reports a source that cannot work with c.
func validateSource(c Config) error {
	if c.Name == "" {
		return errors.New("worker name is required")
	}
	if c.Input == nil {
		return nil
	}
	in := c.Input
	switch {
	case in.Stream == "":
		return fmt.Errorf("worker %s: input stream is required", c.Name)
	case len(in.FilterSubjects) == 0:
		return fmt.Errorf("worker %s: input filter subjects are required", c.Name)
	case in.Stream == events.EventsStream || strings.HasPrefix(in.Stream, events.EventsStream+"_"):
		return errors.New("worker " + c.Name + ": use Events, not Input, to consume webhook events")
	case c.Ordered:
		return fmt.Errorf("worker %s: ordered mode applies to webhook events only, not to stream %s", c.Name, in.Stream)
	}
	return nil
}
