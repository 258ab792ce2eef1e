package workerkit

import (
	"context"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// WorkerBinary describes a worker binary for WorkerCommand. Events and
// CallsWebex say which groups of settings apply to it (see WorkerOptions);
// only those are registered.
type WorkerBinary struct {
	// Name is the command's name, e.g. "echo-worker".
	Name string
	// Short is the one-line description --help shows.
	Short string
	// MetricsAddr is the default of --metrics-addr.
	MetricsAddr string
	// Events are the webhook events the binary's worker consumes. With
	// any, the binary takes the event settings (EventOptions); with none it
	// consumes another stream (the retry worker: the stored calls).
	Events []events.ResourceEvent
	// CallsWebex gives the binary the Webex settings (WorkerOptions.Webex:
	// the token, the API URL and timeout; CallOptions) and, with Events,
	// --webex-outbox. Such a binary checks at start that Webex has a
	// webhook for each of Events, and warns about any missing or disabled
	// (webhooks.WarnAsync): without one, those events never come.
	CallsWebex bool
	// Flags registers the worker type's own settings (may be nil).
	Flags func(fs *pflag.FlagSet)
	// Run starts the worker once every setting is read, usually with a
	// start log line and RunWorker.
	Run func(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo WorkerOptions) error
}

// WorkerCommand is the root command of a worker binary: the settings every
// worker shares (logs, NATS, the consumer runtime, the listeners), those of
// the groups that apply to b, and b's own; it runs b.Run with a logger
// built from them.
func WorkerCommand(b WorkerBinary) *cobra.Command {
	var (
		logs   process.LogOptions
		natsO  process.NATSOptions
		worker WorkerOptions
	)
	cmd := &cobra.Command{
		Use:   b.Name,
		Short: b.Short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			// A worker of webhook events provisions the event streams
			// with the partitions it was given; any other leaves them to
			// the binaries that know the deployment's shards.
			if len(b.Events) > 0 {
				natsO.Streams.Sharding = worker.Sharding()
			} else {
				natsO.SkipEventStreams = true
			}
			if b.CallsWebex && len(b.Events) > 0 {
				registry, err := worker.Registry()
				if err != nil {
					return err
				}
				for _, bot := range registry.Bots() {
					client, err := worker.Webex.ClientFor(bot)
					if err != nil {
						return err
					}
					wait := webhooks.WarnAsync(cmd.Context(), client, b.Events, botLogger(log, bot.ID))
					defer wait()
				}
			}
			return b.Run(cmd.Context(), log, natsO, worker)
		},
	}
	fs := cmd.Flags()
	logs.AddFlags(fs)
	natsO.AddFlags(fs)
	worker.addFlags(fs, b)
	if b.Flags != nil {
		b.Flags(fs)
	}
	return cmd
}
