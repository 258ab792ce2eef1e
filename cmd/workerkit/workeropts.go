package workerkit

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
)

// WorkerOptions configure the consumer runtime of a worker binary.
type WorkerOptions struct {
	Concurrency    int
	MaxDeliver     int
	AckWait        time.Duration
	HandlerTimeout time.Duration
	MetricsAddr    string
	// Calls say how the worker calls Webex (see CallOptions).
	Calls CallOptions
	// Ordered handles each room's events one at a time in stream order
	// (--worker-ordered); Partitions must then match ingest's and
	// PinTimeout is how long a dead replica keeps its partitions.
	Ordered    bool
	Partitions int
	PinTimeout time.Duration
	// StartAt is where the worker type's consumer begins when it is
	// created (--start-at); an existing consumer keeps its place.
	StartAt StartAtFlag
	// Debug is the optional profiling listener (--debug-addr).
	Debug process.DebugOptions
}

// AddFlags registers the worker runtime settings. metricsAddr is the
// binary's default address for /metrics and /healthz ("" for none).
func (o *WorkerOptions) AddFlags(fs *pflag.FlagSet, metricsAddr string) {
	fs.IntVar(&o.Concurrency, "worker-concurrency", workers.DefaultConcurrency, "events a worker process handles at once")
	fs.IntVar(&o.MaxDeliver, "worker-max-deliver", workers.DefaultMaxDeliver, "deliveries of one event before it goes to the dead-letter queue")
	fs.DurationVar(&o.AckWait, "worker-ack-wait", workers.DefaultAckWait, "how long an event may stay unacknowledged before it is redelivered")
	fs.DurationVar(&o.HandlerTimeout, "worker-handler-timeout", workers.DefaultHandlerTimeout, "bound on handling one event")
	fs.BoolVar(&o.Ordered, "worker-ordered", false, "handle the events of one room one at a time, in the order stored, across all replicas "+
		"(one consumer per partition); off: events are handled in parallel whatever their room")
	fs.IntVar(&o.Partitions, "worker-partitions", events.DefaultPartitions, "with --worker-ordered: the partitions ingest spreads events over (ingest's --partitions)")
	fs.DurationVar(&o.PinTimeout, "worker-pin-timeout", workers.DefaultPinTimeout, "with --worker-ordered: how long the partitions of a replica that stopped pulling "+
		"wait before another replica takes them over")
	o.Calls.AddFlags(fs)
	fs.Var(&o.StartAt, "start-at", "where a worker type that runs for the first time begins: new (events stored from now on), "+
		"all (every event still stored), an RFC 3339 time, or a duration meaning that long ago (2h); "+
		"ignored once the worker's consumer exists")
	if metricsAddr != "-" {
		fs.StringVar(&o.MetricsAddr, "metrics-addr", metricsAddr, "address serving /metrics and /healthz (empty: none)")
		o.Debug.AddFlags(fs)
	}
}

// Config builds the runtime configuration of one worker type.
func (o WorkerOptions) Config(name string, evs []events.ResourceEvent, log *slog.Logger, reg prometheus.Registerer) workers.Config {
	cfg := workers.DefaultConfig(name)
	cfg.Events = evs
	cfg.Concurrency = o.Concurrency
	cfg.MaxDeliver = o.MaxDeliver
	cfg.AckWait = o.AckWait
	cfg.HandlerTimeout = o.HandlerTimeout
	cfg.StartAt = o.StartAt.At()
	cfg.Ordered = o.Ordered
	cfg.Partitions = o.Partitions
	cfg.PinTimeout = o.PinTimeout
	cfg.Logger = log
	cfg.Metrics = reg
	return cfg
}
