package events

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerOptions describe one worker type's durable consumer of one bot's
// events on an events stream.
type ConsumerOptions struct {
	// Worker is the worker type; it names the durable consumer and its
	// replay and DLQ subjects. It must pass ValidToken.
	Worker string
	// Bot is the bot whose events the consumer takes; "" or DefaultBot is
	// the default bot (BotConsumerName).
	Bot string
	// Events lists the resource/event pairs the worker handles, e.g.
	// {"messages", "created"}.
	Events []ResourceEvent
	// AckWait is how long a delivery may stay unacknowledged before
	// JetStream redelivers it; handlers that run longer send InProgress.
	AckWait time.Duration
	// MaxDeliver bounds deliveries of one event; the last one goes to the DLQ.
	MaxDeliver int
	// MaxAckPending bounds events in flight across all replicas.
	MaxAckPending int
	// Replicas of the consumer's state; 0 follows the stream.
	Replicas int
}

// ResourceEvent names one kind of event, e.g. messages/created.
type ResourceEvent struct {
	Resource string
	Event    string
}

// ConsumerConfig declares the durable pull consumer of a worker type for
// one bot: it takes the bot's events the worker handles on every partition
// plus the replays of the bot's events addressed to the worker, with
// explicit acks. The deliver policy is left to the caller, since it
// can only be chosen when the consumer is created.
func ConsumerConfig(o ConsumerOptions) (jetstream.ConsumerConfig, error) {
	if !ValidToken(o.Worker) {
		return jetstream.ConsumerConfig{}, fmt.Errorf("worker name %q: %w", o.Worker, ErrUnsafeToken)
	}
	if !isDefaultBot(o.Bot) && !ValidBot(o.Bot) {
		return jetstream.ConsumerConfig{}, fmt.Errorf("worker %s: bot id %q: %w", o.Worker, o.Bot, ErrUnsafeToken)
	}
	if len(o.Events) == 0 {
		return jetstream.ConsumerConfig{}, fmt.Errorf("worker %s: no events to consume", o.Worker)
	}
	filters := make([]string, 0, len(o.Events)+1)
	for _, re := range o.Events {
		for _, tok := range []string{re.Resource, re.Event} {
			if tok != "*" && !ValidToken(tok) {
				return jetstream.ConsumerConfig{}, fmt.Errorf("worker %s: event %s/%s: %w", o.Worker, re.Resource, re.Event, ErrUnsafeToken)
			}
		}
		filters = append(filters, BotEventFilter(o.Bot, re.Resource, re.Event))
	}
	filters = append(filters, BotReplayFilter(o.Worker, o.Bot))
	desc := "webexpipe worker " + o.Worker
	if !isDefaultBot(o.Bot) {
		desc += ", bot " + o.Bot
	}
	return jetstream.ConsumerConfig{
		Durable:        BotConsumerName(o.Worker, o.Bot),
		Description:    desc,
		FilterSubjects: filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        o.AckWait,
		MaxDeliver:     o.MaxDeliver,
		MaxAckPending:  o.MaxAckPending,
		Replicas:       o.Replicas,
	}, nil
}
