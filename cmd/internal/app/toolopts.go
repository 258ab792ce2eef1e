package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
)

// ToolOptions are what the operator commands that act once (replay,
// events, status, webhooks, backfill) share: where NATS is, how long the
// command may take, and how to print (-o table|json). The flags that say
// what such a command does (--since, --force, --dry-run, ...) are marked
// process.FlagOnly by each command.
type ToolOptions struct {
	NATS    process.NATSOptions
	Timeout time.Duration
	Output  output.Format
}

// AddFlags registers the NATS connection settings (not those declaring
// streams: a tool never changes them), --timeout (timeout is its default;
// 0 means none) and -o/--output (with --json, its short form) on fs.
func (o *ToolOptions) AddFlags(fs *pflag.FlagSet, timeout time.Duration) {
	o.NATS.AddConnFlags(fs)
	fs.DurationVar(&o.Timeout, "timeout", timeout, "bound on the whole command (0: none)")
	// TIMEOUT alone is too common a name: a shell may have it for anything.
	process.SetEnvNames(fs, "timeout", "WEBEXPIPE_TIMEOUT")
	o.Output.AddFlags(fs)
}

// process.Connect connects to NATS without provisioning; the caller closes the
// connection. Warnings go to errw.
func (o *ToolOptions) Connect(ctx context.Context, name string, errw io.Writer) (*nats.Conn, jetstream.JetStream, error) {
	n := o.NATS
	n.Provision = false
	log := slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return process.Connect(ctx, n, name, log)
}

// Context bounds ctx by --timeout, when set.
func (o *ToolOptions) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	if o.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, o.Timeout)
}

// ParseWhen reads a point in time given on the command line: an RFC 3339
// time, or a duration meaning that long before now ("2h", "90m").
func ParseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time or a duration ago such as 2h", s)
}
