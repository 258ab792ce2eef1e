package workerkit

import (
	"context"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/webexpipe/webexpipe/cmd/process"
)

// WorkerBinary describes a worker binary for WorkerCommand.
type WorkerBinary struct {
	// Name is the command's name, e.g. "echo-worker".
	Name string
	// Short is the one-line description --help shows.
	Short string
	// MetricsAddr is the default of --metrics-addr.
	MetricsAddr string
	// Flags registers the worker type's own settings; the log, NATS and
	// runtime ones are registered before it, so it may also hide those
	// that do not apply.
	Flags func(fs *pflag.FlagSet)
	// Run starts the worker once every setting is read, usually with a
	// start log line and RunWorker.
	Run func(ctx context.Context, log *slog.Logger, natsO process.NATSOptions, wo WorkerOptions) error
}

// WorkerCommand is the root command of a worker binary: the settings every
// worker shares (logs, NATS, the consumer runtime) plus b's own, and b.Run
// with a logger built from them.
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
			return b.Run(cmd.Context(), log, natsO, worker)
		},
	}
	fs := cmd.Flags()
	logs.AddFlags(fs)
	natsO.AddFlags(fs)
	worker.AddFlags(fs, b.MetricsAddr)
	if b.Flags != nil {
		b.Flags(fs)
	}
	return cmd
}
