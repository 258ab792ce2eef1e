// Command cards-worker answers adaptive-card submissions stored by ingest:
// it routes each submission on its action value to a card handler and
// replies in the card's thread.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
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
	nc, js, err := app.Connect(ctx, natsO, "webexpipe-cards-worker", log)
	if err != nil {
		return err
	}
	defer app.Drain(nc, log)
	reg := app.NewRegistry()
	runner, err := app.NewCards(js, client, co, wo, log, reg)
	if err != nil {
		return err
	}
	opsCtx, stopOps := context.WithCancel(ctx)
	var ops sync.WaitGroup
	if wo.MetricsAddr != "" {
		ops.Add(1)
		go func() {
			defer ops.Done()
			ready := func() error {
				if nc.Status() != nats.CONNECTED {
					return errors.New("NATS not connected")
				}
				return nil
			}
			if err := app.ServeOps(opsCtx, wo.MetricsAddr, reg, ready, log); err != nil {
				log.Error("metrics server", "err", err)
			}
		}()
	}
	defer ops.Wait()
	defer stopOps()
	err = app.RunRunners(ctx, runner)
	log.Info("cards worker stopped")
	return err
}
