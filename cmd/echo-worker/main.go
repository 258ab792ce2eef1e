// Command echo-worker answers Webex messages stored by ingest: it replies
// with the text received and the webhook that announced it.
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
	nc, js, err := app.Connect(ctx, natsO, "webexpipe-echo-worker", log)
	if err != nil {
		return err
	}
	defer app.Drain(nc, log)
	reg := app.NewRegistry()
	runner, err := app.NewEcho(js, client, eo, wo, log, reg)
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
	log.Info("echo worker stopped")
	return err
}
