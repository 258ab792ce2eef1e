package backlog

import (
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
)

// Source names what a Collector reads for one worker type.
type Source struct {
	// Worker is the worker type, the worker label of every series; its
	// dead letters are on events.DLQSubject(Worker).
	Worker string
	// Bot is the bot whose events the consumers take, the bot label of
	// the backlog series; "" means events.DefaultBot.
	Bot string
	// SkipDeadLetters neither reads nor exports webexpipe_worker_dead_letters:
	// the worker type's dead letters, every bot's, share one subject, so of
	// the collectors of one worker type (one per bot) only one reads them.
	SkipDeadLetters bool
	// Consumers are its durable consumers, each on its stream: one per
	// events shard, or in ordered mode one per partition (on the
	// partition's shard); one on its Input's stream.
	Consumers []Consumer
}

// Consumer is one durable consumer of a worker type.
type Consumer struct {
	Stream string
	Name   string
}

// SourceOf is the Source of the runner cfg configures: the consumer named
// after the worker type on each events shard (WEBEX_EVENTS alone with one
// shard) or on its Input's stream, or in ordered mode the per-partition
// consumers <worker>-p<N>, each on its partition's shard.
func SourceOf(cfg workers.Config) Source {
	s := Source{Worker: cfg.Name, Bot: events.BotOrDefault(cfg.Bot)}
	sh := cfg.Sharding()
	switch {
	case cfg.Input != nil:
		s.Consumers = []Consumer{{Stream: cfg.Input.Stream, Name: events.BotConsumerName(cfg.Name, cfg.Bot)}}
	case cfg.Ordered:
		s.Consumers = make([]Consumer, sh.Partitions)
		for p := range sh.Partitions {
			s.Consumers[p] = Consumer{Stream: sh.StreamOf(p), Name: events.BotPartitionConsumerName(cfg.Name, cfg.Bot, p)}
		}
	default:
		for _, stream := range sh.Streams() {
			s.Consumers = append(s.Consumers, Consumer{Stream: stream, Name: events.BotConsumerName(cfg.Name, cfg.Bot)})
		}
	}
	return s
}
