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
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/shipped"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/workers"
)

func main() { os.Exit(process.Execute(command())) }

func command() *cobra.Command {
	var (
		webexO process.WebexOptions
		retryO shipped.RetryOptions
	)
	return workerkit.WorkerCommand(workerkit.WorkerBinary{
		Name:        "retry-worker",
		Short:       "Retry failed Webex calls stored in JetStream",
		MetricsAddr: ":9093",
		Flags: func(fs *pflag.FlagSet) {
			webexO.AddFlags(fs)
			retryO.AddFlags(fs)
			// Settings of the event workers that do not apply here: the
			// retry worker stores no calls of its own, takes every stored
			// call whenever its consumer is created, and bounds attempts
			// by its policy.
			for _, name := range []string{"webex-outbox", "start-at", "worker-max-deliver", "worker-ordered", "worker-partitions", "worker-pin-timeout"} {
				fs.MarkHidden(name)
			}
		},
		Run: func(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo workerkit.WorkerOptions) error {
			return run(ctx, log, natsO, webexO, wo, retryO)
		},
	})
}

func run(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, webexO process.WebexOptions, wo workerkit.WorkerOptions, ro shipped.RetryOptions) error {
	client, err := webexO.Client()
	if err != nil {
		return err
	}
	p := ro.Policy
	log.Info("starting retry worker", "nats_url", process.RedactURL(natsO.URL), "webex_api_url", webexO.APIURL, "webex_token", process.Mask(webexO.Token+webexO.TokenFile),
		"initial_interval", p.Initial, "multiplier", p.Multiplier, "randomization", p.Randomization,
		"max_interval", p.MaxInterval, "max_elapsed", p.MaxElapsed, "recheck_after", ro.RecheckAfter,
		"not_found_grace", ro.NotFoundGrace, "max_pause", wo.Calls.MaxPause, "concurrency", wo.Concurrency)
	return workerkit.RunWorker(ctx, "retry-worker", natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
		runner, err := shipped.NewRetry(ctx, js, client, ro, wo, log, reg)
		return []*workers.Runner{runner}, err
	})
}
