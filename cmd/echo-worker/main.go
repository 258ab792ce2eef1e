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

	"github.com/webexpipe/webexpipe/cmd/internal/shipped/echoworker"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/echo"
)

func main() { os.Exit(process.Execute(command())) }

func command() *cobra.Command {
	var echoO echoworker.Options
	return workerkit.WorkerCommand(workerkit.WorkerBinary{
		Name:        "echo-worker",
		Short:       "Answer Webex messages stored in JetStream",
		MetricsAddr: ":9091",
		Events:      echo.Events,
		CallsWebex:  true,
		Flags:       echoO.AddFlags,
		Run: func(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo workerkit.WorkerOptions) error {
			return runWorker(ctx, log, natsO, wo, echoO)
		},
	})
}

func runWorker(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo workerkit.WorkerOptions, eo echoworker.Options) error {
	client, err := wo.Webex.Client()
	if err != nil {
		return err
	}
	log.Info("starting echo worker", "nats_url", process.RedactURL(natsO.URL), "webex_api_url", wo.Webex.APIURL, "webex_token", process.Mask(wo.Webex.Token+wo.Webex.TokenFile),
		"mode", eo.Mode, "concurrency", wo.Concurrency, "max_deliver", wo.MaxDeliver, "ack_wait", wo.AckWait)
	return workerkit.RunWorker(ctx, "echo-worker", natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
		runner, err := echoworker.New(js, client, eo, wo, log, reg)
		return []*workers.Runner{runner}, err
	})
}
