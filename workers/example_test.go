package workers_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
)

// A new worker type: a name (its durable consumer and dead-letter subject),
// the events it takes, and a handler that says what became of each event.
// The runtime creates the consumer, runs handlers concurrently, retries,
// dead-letters and writes idempotency markers. A binary around it is
// cmd/workerkit's WorkerCommand and RunWorker (or BotCommand when the
// handler calls Webex).
func Example() {
	var js jetstream.JetStream // connected to NATS by workerkit.RunWorker in a binary
	log := slog.Default()

	rooms := workers.HandlerFunc(func(ctx context.Context, ev *workers.Event) error {
		d := ev.Envelope.Data
		if d.RoomID == "" {
			return workers.Permanent(fmt.Errorf("room event %s without a room", d.ID)) // dead letter, no retry
		}
		if ev.Replay && !ev.Force {
			return workers.Ignore("replays only when forced") // acked, counted as ignored
		}
		log.InfoContext(ctx, "room changed", "room", d.RoomID, "event", ev.Envelope.Event)
		return nil // ack and mark done; any other error is retried with backoff
	})

	cfg := workers.DefaultConfig("rooms")
	cfg.Events = []events.ResourceEvent{{Resource: "rooms", Event: "created"}, {Resource: "rooms", Event: "updated"}}
	cfg.Logger = log
	if js == nil {
		return // this example shows the wiring; it has no NATS server to run on
	}
	runner, err := workers.New(js, cfg, rooms)
	if err != nil {
		log.Error("worker", "err", err)
		return
	}
	_ = runner.Run(context.Background()) // until the context ends, then drains
}
