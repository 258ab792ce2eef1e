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

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
)

func main() { os.Exit(app.Execute(command())) }

func command() *cobra.Command {
	var (
		logs   app.LogOptions
		natsO  app.NATSOptions
		webexO app.WebexOptions
		worker app.WorkerOptions
		cardsO app.CardsOptions
	)
	cmd := &cobra.Command{
		Use:   "cards-worker",
		Short: "Answer Webex card submissions stored in JetStream",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			return runWorker(cmd.Context(), log, natsO, webexO, worker, cardsO)
		},
	}
	fs := cmd.Flags()
	logs.AddFlags(fs)
	natsO.AddFlags(fs)
	webexO.AddFlags(fs)
	worker.AddFlags(fs, ":9092")
	cardsO.AddFlags(fs)
	return cmd
}

func runWorker(ctx context.Context, log *slog.Logger, natsO app.NATSOptions, webexO app.WebexOptions, wo app.WorkerOptions, co app.CardsOptions) error {
	client, err := webexO.Client()
	if err != nil {
		return err
	}
	log.Info("starting cards worker", "nats_url", app.RedactURL(natsO.URL), "webex_api_url", webexO.APIURL, "webex_token", app.Mask(webexO.Token+webexO.TokenFile),
		"actions", len(cards.DefaultRoutes()), "recheck_after", co.RecheckAfter,
		"concurrency", wo.Concurrency, "max_deliver", wo.MaxDeliver, "ack_wait", wo.AckWait)
	waitCheck := app.CheckWebhooksAsync(ctx, client, cards.Events, log)
	defer waitCheck()
	return app.RunWorker(ctx, "cards-worker", natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
		runner, err := app.NewCards(js, client, co, wo, log, reg)
		return []*workers.Runner{runner}, err
	})
}
