// Command retry-worker makes the Webex calls other workers stored on
// WEBEX_CALLS after they failed: it retries them on a backoff schedule kept
// in JetStream, looks before resending a message whose first attempt may
// have worked, and dead-letters what cannot succeed.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/shipped/retryworker"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/workers"
)

func main() { os.Exit(process.Execute(command())) }

// command registers what the retry worker reads: the runtime and the Webex
// settings, not those of the event workers (it stores no calls of its own,
// takes every stored call whenever its consumer is created, and bounds
// attempts by its policy).
func command() *cobra.Command {
	var retryO retryworker.Options
	return workerkit.WorkerCommand(workerkit.WorkerBinary{
		Name:        "retry-worker",
		Short:       "Retry failed Webex calls stored in JetStream",
		MetricsAddr: ":9093",
		CallsWebex:  true,
		Flags:       retryO.AddFlags,
		Run: func(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo workerkit.WorkerOptions) error {
			return run(ctx, log, natsO, wo, retryO)
		},
	})
}

func run(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo workerkit.WorkerOptions, ro retryworker.Options) error {
	registry, err := wo.Registry()
	if err != nil {
		return err
	}
	setups, err := wo.BotSetups(registry)
	if err != nil {
		return err
	}
	p := ro.Policy
	log.Info("starting retry worker", "nats_url", process.RedactURL(natsO.URL), "webex_api_url", wo.Webex.APIURL, "webex_token", process.Mask(wo.Webex.Token+wo.Webex.TokenFile),
		"bots", registry.IDs(),
		"initial_interval", p.Initial, "multiplier", p.Multiplier, "randomization", p.Randomization,
		"max_interval", p.MaxInterval, "max_elapsed", p.MaxElapsed, "recheck_after", ro.RecheckAfter,
		"not_found_grace", ro.NotFoundGrace, "max_pause", wo.Calls.MaxPause, "concurrency", wo.Concurrency)
	return workerkit.RunWorker(ctx, "retry-worker", natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
		return retryworker.NewBots(ctx, js, setups, ro, wo, log, reg)
	})
}
