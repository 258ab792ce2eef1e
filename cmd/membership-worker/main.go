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

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/memberships"
)

func main() { os.Exit(app.Execute(command())) }

func command() *cobra.Command {
	return app.WorkerCommand(app.WorkerBinary{
		Name:        "membership-worker",
		Short:       "Log who joins and leaves the bot's rooms, from the memberships events stored in JetStream",
		MetricsAddr: ":9094",
		Run:         runWorker,
	})
}

func runWorker(ctx context.Context, log *slog.Logger, natsO app.NATSOptions, wo app.WorkerOptions) error {
	log.Info("starting membership worker", "nats_url", app.RedactURL(natsO.URL), "start_at", wo.StartAt.String(),
		"concurrency", wo.Concurrency, "max_deliver", wo.MaxDeliver, "ack_wait", wo.AckWait)
	return app.RunWorker(ctx, "membership-worker", natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
		h, err := memberships.New(memberships.Config{Logger: log, Metrics: reg})
		if err != nil {
			return nil, err
		}
		runner, err := workers.New(js, wo.Config(memberships.Name, memberships.Events, log, reg), h)
		return []*workers.Runner{runner}, err
	})
}
