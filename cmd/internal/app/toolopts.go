package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
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
	// Shards is EVENTS_SHARDS, for the commands that read or store events
	// (AddShardsFlag).
	Shards int
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

// AddShardsFlag registers --events-shards (EVENTS_SHARDS) for a command
// that reads or stores events: how many streams they are split over, as in
// the rest of the deployment.
func (o *ToolOptions) AddShardsFlag(fs *pflag.FlagSet) {
	process.AddShardsFlag(fs, &o.Shards)
}

// Sharding is the deployment's split of the events as the flags give it;
// partitions is the command's PARTITIONS, or 0 when it does not take
// them (it then only counts the shard streams, see CheckShards).
func (o *ToolOptions) Sharding(partitions int) events.Sharding {
	s := events.Sharding{Shards: o.Shards, Partitions: partitions}
	if s.Shards == 0 {
		s.Shards = events.DefaultShards
	}
	return s
}

// ParseStreamSeq reads the address of a stored event, STREAM:SEQ, where
// STREAM is one of s's event streams (WEBEX_EVENTS, WEBEX_EVENTS_1, ...).
// A bare SEQ names WEBEX_EVENTS's event when the events have one stream;
// with more it is ambiguous, since each stream numbers its own.
func ParseStreamSeq(arg string, s events.Sharding) (stream string, seq uint64, err error) {
	name, num, named := strings.Cut(arg, ":")
	if !named {
		name, num = "", arg
	}
	seq, perr := strconv.ParseUint(num, 10, 64)
	switch {
	case perr != nil || seq == 0:
		return "", 0, fmt.Errorf("%q: want a positive sequence, STREAM:SEQ", arg)
	case !named && s.Shards > 1:
		return "", 0, fmt.Errorf("%q: with %d events shards a sequence needs its stream, e.g. %s:%d", arg, s.Shards, events.ShardStream(1), seq)
	case !named:
		return events.EventsStream, seq, nil
	case !slices.Contains(s.Streams(), name):
		return "", 0, fmt.Errorf("%q: %s is not one of the events streams (%s)", arg, name, strings.Join(s.Streams(), ", "))
	}
	return name, seq, nil
}
