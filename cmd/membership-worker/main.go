// Command membership-worker logs who joins and leaves the rooms the bot is
// in: the worked example of a worker type (see workers/memberships). It
// needs NATS only, no Webex token.
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
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/memberships"
)

func main() { os.Exit(app.Execute(command())) }

func command() *cobra.Command {
	var (
		logs   app.LogOptions
		natsO  app.NATSOptions
		worker app.WorkerOptions
	)
	cmd := &cobra.Command{
		Use:   "membership-worker",
		Short: "Log who joins and leaves the bot's rooms, from the memberships events stored in JetStream",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			return runWorker(cmd.Context(), log, natsO, worker)
		},
	}
	fs := cmd.Flags()
	logs.AddFlags(fs)
	natsO.AddFlags(fs)
	worker.AddFlags(fs, ":9094")
	return cmd
}

func runWorker(ctx context.Context, log *slog.Logger, natsO app.NATSOptions, wo app.WorkerOptions) error {
	log.Info("starting membership worker", "nats_url", app.RedactURL(natsO.URL), "start_at", wo.StartAt.String(),
		"concurrency", wo.Concurrency, "max_deliver", wo.MaxDeliver, "ack_wait", wo.AckWait)
	nc, js, err := app.Connect(ctx, natsO, "webexpipe-membership-worker", log)
	if err != nil {
		return err
	}
	defer app.Drain(nc, log)
	reg := app.NewRegistry()
	h, err := memberships.New(memberships.Config{Logger: log, Metrics: reg})
	if err != nil {
		return err
	}
	runner, err := workers.New(js, wo.Config(memberships.Name, memberships.Events, log, reg), h)
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
	log.Info("membership worker stopped")
	return err
}
