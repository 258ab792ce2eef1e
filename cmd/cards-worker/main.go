// Command cards-worker answers adaptive-card submissions stored by ingest:
// it routes each submission on its action value to a card handler and
// replies in the card's thread.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/shipped/cardsworker"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
)

func main() { os.Exit(process.Execute(command())) }

func command() *cobra.Command {
	var cardsO cardsworker.Options
	return workerkit.WorkerCommand(workerkit.WorkerBinary{
		Name:        "cards-worker",
		Short:       "Answer Webex card submissions stored in JetStream",
		MetricsAddr: ":9092",
		Events:      cards.Events,
		CallsWebex:  true,
		Flags:       cardsO.AddFlags,
		Run: func(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo workerkit.WorkerOptions) error {
			return runWorker(ctx, log, natsO, wo, cardsO)
		},
	})
}

func runWorker(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo workerkit.WorkerOptions, co cardsworker.Options) error {
	client, err := wo.Webex.Client()
	if err != nil {
		return err
	}
	log.Info("starting cards worker", "nats_url", process.RedactURL(natsO.URL), "webex_api_url", wo.Webex.APIURL, "webex_token", process.Mask(wo.Webex.Token+wo.Webex.TokenFile),
		"actions", len(cards.DefaultRoutes()), "recheck_after", co.RecheckAfter,
		"concurrency", wo.Concurrency, "max_deliver", wo.MaxDeliver, "ack_wait", wo.AckWait)
	return workerkit.RunWorker(ctx, "cards-worker", natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
		runner, err := cardsworker.New(js, client, co, wo, log, reg)
		return []*workers.Runner{runner}, err
	})
}
