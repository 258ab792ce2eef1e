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
	// Stream is the stream its consumers read.
	Stream string
	// Consumers are its durable consumers: one, or in ordered mode one per
	// partition.
	Consumers []string
}

// SourceOf is the Source of the runner cfg configures: the consumer named
// after the worker type on WEBEX_EVENTS (or on its Input's stream), or in
// ordered mode the per-partition consumers <worker>-p<N>.
func SourceOf(cfg workers.Config) Source {
	s := Source{Worker: cfg.Name, Stream: events.EventsStream, Consumers: []string{cfg.Name}}
	switch {
	case cfg.Input != nil:
		s.Stream = cfg.Input.Stream
	case cfg.Ordered:
		n := cfg.Partitions
		if n <= 0 {
			n = events.DefaultPartitions
		}
		s.Consumers = make([]string, n)
		for p := range n {
			s.Consumers[p] = events.PartitionConsumerName(cfg.Name, p)
		}
	}
	return s
}
