// Command echo-worker answers Webex messages stored by ingest: it replies
// with the text received and the webhook that announced it.
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
	"github.com/webexpipe/webexpipe/workers/echo"
)

func main() { os.Exit(app.Execute(command())) }

func command() *cobra.Command {
	var (
		logs   app.LogOptions
		natsO  app.NATSOptions
		webexO app.WebexOptions
		worker app.WorkerOptions
		echoO  app.EchoOptions
	)
	cmd := &cobra.Command{
		Use:   "echo-worker",
		Short: "Answer Webex messages stored in JetStream",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			return runWorker(cmd.Context(), log, natsO, webexO, worker, echoO)
		},
	}
	fs := cmd.Flags()
	logs.AddFlags(fs)
	natsO.AddFlags(fs)
	webexO.AddFlags(fs)
	worker.AddFlags(fs, ":9091")
	echoO.AddFlags(fs)
	return cmd
}

func runWorker(ctx context.Context, log *slog.Logger, natsO app.NATSOptions, webexO app.WebexOptions, wo app.WorkerOptions, eo app.EchoOptions) error {
	client, err := webexO.Client()
	if err != nil {
		return err
	}
	log.Info("starting echo worker", "nats_url", app.RedactURL(natsO.URL), "webex_api_url", webexO.APIURL, "webex_token", app.Mask(webexO.Token+webexO.TokenFile),
		"mode", eo.Mode, "concurrency", wo.Concurrency, "max_deliver", wo.MaxDeliver, "ack_wait", wo.AckWait)
	waitCheck := app.CheckWebhooksAsync(ctx, client, echo.Events, log)
	defer waitCheck()
	return app.RunWorker(ctx, "echo-worker", natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
		runner, err := app.NewEcho(js, client, eo, wo, log, reg)
		return []*workers.Runner{runner}, err
	})
}
