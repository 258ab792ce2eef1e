package status

import (
	"time"

	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// Report is the state of a deployment at one moment.
type Report struct {
	At        time.Time  `json:"at"`
	Streams   []Stream   `json:"streams"`
	Buckets   []Bucket   `json:"buckets"`
	Consumers []Consumer `json:"consumers"`
	// Events sums the events streams (every shard); Workers sums each
	// worker type's consumers (over the shards, or the partitions).
	Events  EventTotals   `json:"events"`
	Workers []WorkerTotal `json:"workers"`
	// DeadLetters counts the dead letters of each worker type ("retry" for
	// Webex calls given up on).
	DeadLetters []DeadLetters `json:"dead_letters"`
	// Pauses are the rate-limit pauses Webex asked for, one per bot token.
	Pauses []Pause `json:"pauses"`
	// Webhooks are the token's webhooks on Webex: empty when Webex has
	// none (no event reaches ingest), nil when they were not listed, either
	// because no Webex token was given or because listing them failed
	// (WebhooksError). Unknown is not the same as none.
	Webhooks []webhooks.Hook `json:"webhooks,omitzero"`
	// WebhooksError says why the webhooks could not be listed (a 401 for a
	// wrong token, Webex unreachable...); empty when they were listed or
	// not asked for.
	WebhooksError string `json:"webhooks_error,omitempty"`
	// BotWebhooks are each bot's webhooks, listed with its token, when the
	// deployment has a bot registry (Options.BotWebhooks).
	BotWebhooks []BotWebhooks `json:"bot_webhooks,omitempty"`
	// Errors name the sections that could not be read, and why.
	Errors []string `json:"errors,omitempty"`
}

// Stream is one stream's size and span.
type Stream struct {
	Name      string    `json:"name"`
	Messages  uint64    `json:"messages"`
	Bytes     uint64    `json:"bytes"`
	FirstSeq  uint64    `json:"first_seq"`
	LastSeq   uint64    `json:"last_seq"`
	FirstTime time.Time `json:"first_time,omitzero"`
	LastTime  time.Time `json:"last_time,omitzero"`
	Consumers int       `json:"consumers"`
}

// EventTotals are the events streams taken together.
type EventTotals struct {
	// Shards is the configured count; Streams how many were read.
	Shards   int    `json:"shards"`
	Streams  int    `json:"streams"`
	Messages uint64 `json:"messages"`
	Bytes    uint64 `json:"bytes"`
}

// WorkerTotal is one worker type's backlog over all its consumers.
type WorkerTotal struct {
	Worker string `json:"worker"`
	// Bot is the bot whose events the consumers take.
	Bot         string `json:"bot"`
	Consumers   int    `json:"consumers"`
	Pending     uint64 `json:"pending"`
	AckPending  int    `json:"ack_pending"`
	Redelivered int    `json:"redelivered"`
}

// Bucket is one key-value bucket's size.
type Bucket struct {
	Name   string `json:"name"`
	Values uint64 `json:"values"`
	Bytes  uint64 `json:"bytes"`
}

// Consumer is a worker type's durable consumer: how much waits for it.
type Consumer struct {
	Stream string `json:"stream"`
	Name   string `json:"name"`
	// Bot is the bot whose events it takes.
	Bot string `json:"bot"`
	// Pending waits to be delivered; AckPending was delivered and waits
	// for its ack (being handled, or nak'd with a delay); Redelivered were
	// delivered more than once. Waiting counts the pull requests open on
	// the consumer, not workers: a worker keeps several open while it has
	// free slots and none while every slot is busy, and JetStream does not
	// say who sent them. More than 0 means some worker is pulling; 0 with
	// nothing AckPending means none is.
	Pending     uint64 `json:"pending"`
	AckPending  int    `json:"ack_pending"`
	Redelivered int    `json:"redelivered"`
	Waiting     int    `json:"waiting"`
	// LastDelivered is when it last delivered an event.
	LastDelivered time.Time `json:"last_delivered,omitzero"`
}

// DeadLetters counts one worker type's dead letters.
type DeadLetters struct {
	Worker string `json:"worker"`
	Count  uint64 `json:"count"`
}

// Pause is a rate-limit pause shared by the workers of one bot token.
type Pause struct {
	// Key names the token without revealing it.
	Key string `json:"key"`
	// Bot is the bot whose token it is; empty when no token given names
	// it (Options.PauseBots).
	Bot    string    `json:"bot,omitempty"`
	Until  time.Time `json:"until"`
	Status int       `json:"status,omitempty"`
	By     string    `json:"by,omitempty"`
	// Active is true while Until is in the future: workers wait.
	Active bool `json:"active"`
}

// BotWebhooks are one bot's webhooks: Webhooks as Report.Webhooks says,
// or Error when they could not be listed.
type BotWebhooks struct {
	Bot      string          `json:"bot"`
	Webhooks []webhooks.Hook `json:"webhooks,omitzero"`
	Error    string          `json:"error,omitempty"`
}
