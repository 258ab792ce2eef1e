package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
)

// shardsTimeout bounds the start-up look at the event streams: the check
// of their shards, and the spreading of their leaders.
const shardsTimeout = 30 * time.Second

// CheckShards fails unless the event streams on the server are those of s
// (events.CheckShards; with s.Partitions 0, for a tool that does not take
// PARTITIONS, only their count): a binary started with another
// EVENTS_SHARDS or PARTITIONS than the deployment's would store events
// where no worker reads them, or read only some.
func CheckShards(ctx context.Context, js jetstream.JetStream, s events.Sharding) error {
	ctx, cancel := context.WithTimeout(ctx, shardsTimeout)
	defer cancel()
	if err := events.CheckShards(ctx, js, s); err != nil {
		return fmt.Errorf("check the event streams: %w", err)
	}
	return nil
}

// SpreadShardLeaders moves the leaders of the event shards apart
// (events.SpreadLeaders) when o provisioned them with replicas, so that
// the servers of a cluster share the work of the shards. It is best
// effort: what it asked for and what failed is logged, and nothing stops
// the binary.
func SpreadShardLeaders(ctx context.Context, js jetstream.JetStream, o process.NATSOptions, s events.Sharding, log *slog.Logger) {
	if !o.Provision || o.Streams.Replicas <= 1 || s.Shards <= 1 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, shardsTimeout)
	defer cancel()
	moves, err := events.SpreadLeaders(ctx, js, s)
	for _, m := range moves {
		log.Info("events shard leader asked to move", "stream", m.Stream, "from", m.From, "to", m.To)
	}
	if err != nil {
		log.Warn("events shard leaders not spread; the streams work, one server may lead several shards", "err", err)
	}
}
