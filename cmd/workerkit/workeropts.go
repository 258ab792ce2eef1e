package workerkit

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
)

// WorkerOptions are a worker binary's settings, in groups. A binary
// registers only the groups that apply to it (WorkerCommand does so from
// its WorkerBinary), so its --help lists what it reads and nothing else;
// the groups it does not register keep their zero values, which mean the
// runtime's defaults.
type WorkerOptions struct {
	// RuntimeOptions: every worker.
	RuntimeOptions
	// EventOptions: workers of webhook events, not the retry worker.
	EventOptions
	// Webex and Calls: workers that call Webex.
	Webex process.WebexOptions
	Calls CallOptions
	// OpsOptions: a worker binary's own listeners; dev mode has its own.
	OpsOptions
	// Bots is BOTS_FILE, the bots the process serves (see Registry);
	// every worker binary has it.
	Bots process.BotsOptions

	callsWebex bool // the binary calls Webex: the registry's tokens are read
}

// RuntimeOptions are the consumer runtime settings every worker has.
type RuntimeOptions struct {
	Concurrency int
	// BotConcurrency is the most of the Concurrency handlers one bot may
	// hold when the process serves several (0: three quarters of them).
	BotConcurrency int
	MaxAckPending  int
	AckWait        time.Duration
	HandlerTimeout time.Duration
}

// AddFlags registers the runtime settings.
func (o *RuntimeOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&o.Concurrency, "worker-concurrency", workers.DefaultConcurrency, "events a worker process handles at once, all its bots together")
	fs.IntVar(&o.BotConcurrency, "worker-bot-concurrency", 0, "with several bots, the most of --worker-concurrency's handlers one bot may hold, so that a bot flooded with events leaves the rest to the others (0: three quarters, at least 1)")
	fs.IntVar(&o.MaxAckPending, "worker-max-ack-pending", workers.DefaultMaxAckPending, "events of the worker type out at once across all its replicas, per bot, "+
		"at least --worker-concurrency times the replicas; shared out over the events shards, or with --worker-ordered over the partitions")
	fs.DurationVar(&o.AckWait, "worker-ack-wait", workers.DefaultAckWait, "how long an event may stay unacknowledged before it is redelivered")
	fs.DurationVar(&o.HandlerTimeout, "worker-handler-timeout", workers.DefaultHandlerTimeout, "bound on handling one event")
}

// EventOptions are the settings of a worker of webhook events: how often
// an event is delivered before it is dead-lettered, per-room order, and
// where a new worker type starts. The retry worker has none of them: its
// input is the stored calls, its limits come from its policy.
type EventOptions struct {
	MaxDeliver int
	// Ordered handles each room's events one at a time in stream order
	// (--worker-ordered); Partitions must then match ingest's and
	// PinTimeout is how long a dead replica keeps its partitions.
	Ordered    bool
	Partitions int
	PinTimeout time.Duration
	// Shards is the number of streams the events are split over
	// (--events-shards); Partitions, ingest's, says which partition is in
	// which, so it must match ingest's in the shared mode too.
	Shards int
	// StartAt is where the worker type's consumer begins when it is
	// created (--start-at); an existing consumer keeps its place.
	StartAt StartAtFlag
}

// AddFlags registers the event settings.
func (o *EventOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&o.MaxDeliver, "worker-max-deliver", workers.DefaultMaxDeliver, "deliveries of one event before it goes to the dead-letter queue")
	fs.BoolVar(&o.Ordered, "worker-ordered", false, "handle the events of one room one at a time, in the order stored, across all replicas "+
		"(one consumer per partition); off: events are handled in parallel whatever their room")
	fs.IntVar(&o.Partitions, "worker-partitions", events.DefaultPartitions, "the partitions ingest spreads events over (ingest's --partitions): "+
		"with --worker-ordered one consumer each, and with --events-shards above 1 what tells the shards' streams apart; keep it equal to ingest's")
	process.AddShardsFlag(fs, &o.Shards)
	fs.DurationVar(&o.PinTimeout, "worker-pin-timeout", workers.DefaultPinTimeout, "with --worker-ordered: how long the partitions of a replica that stopped pulling "+
		"wait before another replica takes them over")
	fs.Var(&o.StartAt, "start-at", "where a worker type that runs for the first time begins: new (events stored from now on), "+
		"all (every event still stored), an RFC 3339 time, or a duration meaning that long ago (2h); "+
		"ignored once the worker's consumer exists")
}

// Sharding is how the events are split over streams, as the settings
// say; the zero value of a binary without the event settings means the
// default.
func (o EventOptions) Sharding() events.Sharding {
	return events.Sharding{Shards: cmp.Or(o.Shards, events.DefaultShards), Partitions: cmp.Or(o.Partitions, events.DefaultPartitions)}
}

// OpsOptions are a worker binary's listeners: /metrics, /healthz and
// /readyz, and the optional profiler.
type OpsOptions struct {
	MetricsAddr string
	Debug       process.DebugOptions
}

// AddFlags registers the listener settings; metricsAddr is the binary's
// default address for /metrics and the health endpoints.
func (o *OpsOptions) AddFlags(fs *pflag.FlagSet, metricsAddr string) {
	fs.StringVar(&o.MetricsAddr, "metrics-addr", metricsAddr, "address serving /metrics, /healthz and /readyz (empty: none)")
	o.Debug.AddFlags(fs)
}

// addFlags registers the groups that apply to b: the runtime and the
// listeners always, the event settings for a worker of webhook events,
// the Webex settings for one that calls Webex, and the outbox for one that
// does both.
func (o *WorkerOptions) addFlags(fs *pflag.FlagSet, b WorkerBinary) {
	o.RuntimeOptions.AddFlags(fs)
	o.OpsOptions.AddFlags(fs, b.MetricsAddr)
	o.Bots.AddFlags(fs)
	o.callsWebex = b.CallsWebex
	if len(b.Events) > 0 {
		o.EventOptions.AddFlags(fs)
	}
	if b.CallsWebex {
		o.Webex.AddFlags(fs)
		o.Calls.AddFlags(fs)
		if len(b.Events) > 0 {
			o.Calls.AddOutboxFlag(fs)
		}
	}
}

// Config builds the runtime configuration of one worker type.
func (o WorkerOptions) Config(name string, evs []events.ResourceEvent, log *slog.Logger, reg prometheus.Registerer) workers.Config {
	cfg := workers.DefaultConfig(name)
	cfg.Events = evs
	cfg.Concurrency = o.Concurrency
	cfg.MaxAckPending = o.MaxAckPending
	cfg.MaxDeliver = o.MaxDeliver
	cfg.AckWait = o.AckWait
	cfg.HandlerTimeout = o.HandlerTimeout
	cfg.StartAt = o.StartAt.At()
	cfg.Ordered = o.Ordered
	cfg.Partitions = o.Partitions
	cfg.Shards = o.Shards
	cfg.PinTimeout = o.PinTimeout
	cfg.Logger = log
	cfg.Metrics = reg
	return cfg
}

// botShare is the most handlers one of bots bots may hold: all of them
// with one bot, else BotConcurrency (at most Concurrency), by default
// three quarters of Concurrency and at least 1.
func (o RuntimeOptions) botShare(bots int) int {
	all := cmp.Or(o.Concurrency, workers.DefaultConcurrency)
	switch {
	case bots <= 1:
		return all
	case o.BotConcurrency > 0:
		return min(o.BotConcurrency, all)
	}
	return max(all*3/4, 1)
}
