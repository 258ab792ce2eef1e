// Command membership-worker logs who joins and leaves the rooms the bot is
// in: the worked example of a worker type (see workers/memberships). It
// needs NATS only, no Webex token.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/memberships"
)

func main() { os.Exit(process.Execute(command())) }

func command() *cobra.Command {
	return workerkit.WorkerCommand(workerkit.WorkerBinary{
		Name:        "membership-worker",
		Short:       "Log who joins and leaves the bot's rooms, from the memberships events stored in JetStream",
		MetricsAddr: ":9094",
		Events:      memberships.Events,
		Run:         runWorker,
	})
}

func runWorker(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo workerkit.WorkerOptions) error {
	registry, err := wo.Registry()
	if err != nil {
		return err
	}
	log.Info("starting membership worker", "bots", registry.IDs(), "nats_url", process.RedactURL(natsO.URL), "start_at", wo.StartAt.String(),
		"concurrency", wo.Concurrency, "max_deliver", wo.MaxDeliver, "ack_wait", wo.AckWait)
	return workerkit.RunWorker(ctx, "membership-worker", natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
		return workerkit.Runners(js, registry, memberships.Name, memberships.Events, wo, log, reg, func(_ string, log *slog.Logger) (workers.Handler, error) {
			return memberships.New(memberships.Config{Logger: log, Metrics: reg})
		})
	})
}
