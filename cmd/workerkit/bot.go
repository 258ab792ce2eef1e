package workerkit

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
)

// Bot describes the binary of one worker type whose handler calls Webex:
// the usual shape of a bot team's own worker.
type Bot struct {
	// Binary is the command's name, e.g. "dice-worker"; Short its
	// one-line description.
	Binary string
	Short  string
	// Worker is the worker type: it names the durable consumer, the DLQ
	// subject and the stored calls; it must be a valid subject token.
	Worker string
	// Events are the events the worker type consumes.
	Events []events.ResourceEvent
	// MetricsAddr is the default of --metrics-addr, e.g. ":9095".
	MetricsAddr string
	// Flags registers the worker type's own settings (may be nil).
	Flags func(fs *pflag.FlagSet)
	// Handler builds the handler once NATS is connected and every setting
	// is read.
	Handler NewHandler
}

// BotCommand is the root command of b's binary: the settings every worker
// shares (logs, NATS, the runtime), those of a worker of webhook events,
// those of a worker that calls Webex (WEBEX_TOKEN or WEBEX_TOKEN_FILE,
// WEBEX_API_URL, WEBEX_TIMEOUT, WEBEX_MAX_PAUSE, WEBEX_OUTBOX) and b's own;
// it warns at start about a missing webhook for b.Events, and runs one
// runner of b.Worker per bot (BOTS_FILE, or the one bot of WEBEX_TOKEN)
// until SIGTERM and drains. Run it with process.Execute.
func BotCommand(b Bot) *cobra.Command {
	return WorkerCommand(WorkerBinary{
		Name:        b.Binary,
		Short:       b.Short,
		MetricsAddr: b.MetricsAddr,
		Events:      b.Events,
		CallsWebex:  true,
		Flags:       b.Flags,
		Run: func(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo WorkerOptions) error {
			if b.Handler == nil || !events.ValidToken(b.Worker) || len(b.Events) == 0 {
				return fmt.Errorf("%s: a worker name that is a valid subject token, events and a handler are required", b.Binary)
			}
			registry, err := wo.Registry()
			if err != nil {
				return err
			}
			setups, err := wo.BotSetups(registry)
			if err != nil {
				return err
			}
			log.Info("starting "+b.Binary, "worker", b.Worker, "nats_url", process.RedactURL(natsO.URL), "webex_api_url", wo.Webex.APIURL,
				"webex_token", process.Mask(wo.Webex.Token+wo.Webex.TokenFile), "bots", registry.IDs(), "concurrency", wo.Concurrency)
			return RunWorker(ctx, b.Binary, natsO, wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
				return WebexRunners(js, setups, b.Worker, b.Events, wo, log, reg, b.Handler)
			})
		},
	})
}
