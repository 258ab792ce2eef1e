package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
)

// dlqOptions are the settings every dlq command shares.
type dlqOptions struct {
	nats process.NATSOptions
	// shards is EVENTS_SHARDS: where a redriven event goes.
	shards  int
	timeout time.Duration
	output  output.Format
	// terminal reports whether stdin or stderr is a terminal: purge asks
	// a person only on one, redrive redraws its progress line on one.
	terminal func(any) bool
	// choice is BOTS_FILE and --bot: whose dead letters.
	choice app.BotChoice
}

func dlqCommand() *cobra.Command { return newDLQCommand(output.IsTerminal) }

// newDLQCommand builds `webexpipe dlq`; tests choose what counts as a
// terminal.
func newDLQCommand(terminal func(any) bool) *cobra.Command {
	o := &dlqOptions{terminal: terminal}
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Inspect the dead-letter queue: list, show, redrive and purge what the workers gave up on",
		Long: "Dead letters are events a worker gave up on (webex.dlq.<worker>) and Webex calls the retry worker\n" +
			"gave up on (webex.dlq.retry). Each is named by its sequence in the WEBEX_DLQ stream.",
	}
	// Only the connection settings and EVENTS_SHARDS (the deployment's,
	// like them) come from the environment. An action
	// flag such as --yes or --all must be typed: a variable that happens
	// to be named YES or ALL must never purge anything.
	cmd.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		conn := pflag.NewFlagSet("connection", pflag.ContinueOnError)
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.HasPrefix(f.Name, "nats-") || f.Name == "events-shards" || f.Name == "bots-file" {
				conn.AddFlag(f)
			}
		})
		return process.BindEnv(conn, os.LookupEnv)
	}
	fs := cmd.PersistentFlags()
	// An operator's tool reads and writes messages; it never changes how
	// the streams are declared.
	o.nats.AddConnFlags(fs)
	process.AddShardsFlag(fs, &o.shards)
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound on the whole command"+noEnv)
	o.choice.Registry.AddFlags(fs)
	fs.StringSliceVar(&o.choice.IDs, "bot", nil, "only the dead letters of these bots (repeat or comma-separate; default: every bot's)"+noEnv)
	process.FlagOnly(fs, "bot")
	o.output.AddFlags(fs)
	process.DescribeEnv(fs)
	cmd.AddCommand(dlqListCommand(o), dlqShowCommand(o), dlqRedriveCommand(o), dlqPurgeCommand(o))
	return cmd
}

// connect opens a connection for one command; the caller closes it.
func (o *dlqOptions) connect(ctx context.Context, errw io.Writer) (*nats.Conn, jetstream.JetStream, error) {
	n := o.nats
	n.Provision = false
	log := slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return process.Connect(ctx, n, "webexpipe-dlq", log)
}

// sharding is the deployment's split of the events; the dlq commands take
// no partitions, so only the count is known and checked.
func (o *dlqOptions) sharding() events.Sharding { return events.Sharding{Shards: o.shards} }

// run connects, calls fn with a context bounded by --timeout, and closes.
func (o *dlqOptions) run(cmd *cobra.Command, fn func(ctx context.Context, js jetstream.JetStream) error) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	nc, js, err := o.connect(ctx, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer nc.Close()
	return fn(ctx, js)
}

// parseSeqs reads dead-letter sequences given as arguments.
func parseSeqs(args []string) ([]uint64, error) {
	out := make([]uint64, 0, len(args))
	for _, a := range args {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q is not a dead-letter sequence (see `webexpipe dlq list`)", a)
		}
		out = append(out, n)
	}
	return out, nil
}

// selection is the dead letters a redrive or purge acts on: the sequences
// given, or with --all every one (of --worker, if set).
type selection struct {
	all    bool
	worker string
}

func (s *selection) addFlags(cmd *cobra.Command, verb string) {
	cmd.Flags().BoolVar(&s.all, "all", false, verb+" every dead letter (of --worker, if given) instead of the sequences named"+noEnv)
	cmd.Flags().StringVar(&s.worker, "worker", "", "with --all: only the dead letters of this worker type (\"retry\" for calls)"+noEnv)
}

// noEnv ends the usage of every dlq flag but the connection's: it says the
// flag has no environment variable, and keeps process.DescribeEnv from
// claiming one.
const noEnv = " (env none)"

// entries resolves the selection to dead letters.
//
// With bots (--bot), only their dead letters: --all selects those, and a
// sequence naming another bot's is refused.
func (s selection) entries(ctx context.Context, js jetstream.JetStream, args []string, bots []string) ([]*deadletters.Entry, error) {
	switch {
	case s.all && len(args) > 0:
		return nil, errors.New("give sequences or --all, not both")
	case !s.all && len(args) == 0:
		return nil, errors.New("name the dead letters by sequence, or use --all")
	case !s.all && s.worker != "":
		return nil, errors.New("--worker selects with --all only")
	case s.all:
		return deadletters.List(ctx, js, deadletters.Filter{Worker: s.worker, Bots: bots})
	}
	seqs, err := parseSeqs(args)
	if err != nil {
		return nil, err
	}
	out := make([]*deadletters.Entry, 0, len(seqs))
	for _, seq := range seqs {
		e, err := deadletters.Get(ctx, js, seq)
		if err != nil {
			return nil, err
		}
		if len(bots) > 0 && !slices.Contains(bots, e.Bot) {
			return nil, fmt.Errorf("dead letter %d is bot %s's, not one of --bot %s", seq, e.Bot, strings.Join(bots, ","))
		}
		out = append(out, e)
	}
	return out, nil
}
