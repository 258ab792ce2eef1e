package workers

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/events"
)

// Config describes one worker type's runner. Start from DefaultConfig. A
// zero field means its default, except Idempotent, whose zero value (off)
// is a real choice; DefaultConfig turns it on.
type Config struct {
	// Name is the worker type. It names the durable consumer and the DLQ
	// subject webex.dlq.<Name>, and must pass events.ValidToken.
	Name string
	// Bot is the bot whose events the runner takes (see events.ValidBot);
	// "" or events.DefaultBot is the bot of a single-bot deployment, whose
	// consumers and subjects are the ones without a bot token. A process
	// serving several bots runs one runner per bot and worker type.
	Bot string
	// Events are the resource/event pairs the worker consumes.
	Events []events.ResourceEvent
	// Input, when set, replaces Events: the runner consumes another
	// stream, whose messages are not webhooks (see Input).
	Input *Input
	// Concurrency bounds handlers running at once in this runner; default
	// 16. It also bounds the events one consumer of the runner fetches at
	// once in the shared mode.
	Concurrency int
	// Handlers, when set, is the pool of handler slots the runner shares
	// with other runners of the process (one per bot): Concurrency then
	// bounds the runner's own handlers and its consumers' windows, and the
	// pool the handlers running at once across all of them. Nil gives the
	// runner Concurrency handlers of its own.
	Handlers *HandlerPool
	// AckWait is how long JetStream waits for an ack before redelivering;
	// default 30s. The runner sends InProgress every AckWait/3 while a
	// handler runs.
	AckWait time.Duration
	// MaxDeliver bounds deliveries of one event; a failure on the last one
	// sends the event to the DLQ. Default 10.
	MaxDeliver int
	// MaxAckPending bounds unacknowledged events across all replicas;
	// default 1000. In ordered mode it is shared out over the partitions:
	// each partition's consumer may have MaxAckPending/Partitions events
	// (rounded up) out at once, so 1 per partition, the smallest, handles
	// one event per partition at a time. In the shared mode it is shared
	// out over the shards: each shard's consumer may have
	// MaxAckPending/Shards events (rounded down, so the total stays within
	// MaxAckPending) out at once.
	MaxAckPending int
	// Backoff schedules redeliveries after retryable errors.
	Backoff Backoff
	// HandlerTimeout bounds one Handle call; default 2m.
	HandlerTimeout time.Duration
	// StartAt is where a new consumer begins; an existing one keeps its
	// position. Default StartNew.
	StartAt StartAt
	// Idempotent wraps the handler with Idempotency markers in the
	// events.ProcessedBucket bucket.
	Idempotent bool
	// Ordered handles the events of one room one at a time, in stream
	// order, across every replica (see "Per-room order" in the package
	// doc), while the events of different rooms run in parallel up to
	// Concurrency. Off by default: one shared consumer, events handled in
	// parallel whatever their room. Not available with Input.
	Ordered bool
	// Partitions is the number of partitions ingest spreads events over
	// (ingest's --partitions); ordered mode has one consumer per
	// partition, each owned by one replica at a time. Default
	// events.DefaultPartitions.
	Partitions int
	// Shards is the number of streams the events are split over
	// (EVENTS_SHARDS, see events.Sharding): the shared mode has one
	// consumer per shard, named after the worker type on each shard's
	// stream, and ordered mode finds each partition's consumer on its
	// shard's stream. It must be the deployment's, like Partitions, which
	// then matters in the shared mode too. Default events.DefaultShards
	// (everything in WEBEX_EVENTS). Not used with Input.
	Shards int
	// PinTimeout is how long, in ordered mode, a partition stays with a
	// replica that stopped pulling before another replica takes it over;
	// default 10s. An event that replica was handling comes back only after
	// its AckWait.
	PinTimeout time.Duration
	// Hold, when set, tells the runner until when to fetch nothing (for
	// example the end of the bot token's shared rate-limit pause). Every
	// event fetched during a pause would be handed back by its handler and
	// spend one of its MaxDeliver deliveries; holding the fetch instead
	// spends none, however long the pauses last. Events already in flight
	// when a pause begins still come back once, after it.
	Hold func(ctx context.Context) time.Time
	// Unready, when set, says why the worker cannot do its work now (for
	// example Webex refuses its token), or nil; Runner.Unready reports it
	// for a readiness probe. Pair it with Hold so that nothing is fetched
	// meanwhile.
	Unready func() error
	// DrainTimeout is how long Run waits for in-flight handlers on
	// shutdown before cancelling them; default 30s.
	DrainTimeout time.Duration
	// Logger receives the runner's logs; nil discards them.
	Logger *slog.Logger
	// Metrics is where the runner registers its metrics; nil keeps them in
	// a private registry. Several runners may share one registerer.
	Metrics prometheus.Registerer
	// TracerProvider makes the span of each handler run (see Tracing); nil
	// means OpenTelemetry's global provider.
	TracerProvider trace.TracerProvider
}

// Defaults applied by DefaultConfig and, for zero fields, by New.
const (
	DefaultConcurrency    = 16
	DefaultAckWait        = 30 * time.Second
	DefaultMaxDeliver     = 10
	DefaultMaxAckPending  = 1000
	DefaultHandlerTimeout = 2 * time.Minute
	DefaultDrainTimeout   = 30 * time.Second
	DefaultPinTimeout     = 10 * time.Second
)

// minAckWait keeps the InProgress heartbeat (AckWait/3) from flooding the
// server.
const minAckWait = 100 * time.Millisecond

// minPinTimeout leaves an owner that pulls every fetchWait room for one
// late pull request; maxPartitions bounds the consumers of ordered mode.
const (
	minPinTimeout = 2 * fetchWait
	maxPartitions = 1024
)

// DefaultConfig returns the defaults for worker type name, idempotent, with
// no events: set Events before use.
func DefaultConfig(name string) Config {
	return Config{Name: name, Idempotent: true}.withDefaults()
}

// withDefaults fills every zero field that has a default.
func (c Config) withDefaults() Config {
	setDefault(&c.Concurrency, DefaultConcurrency)
	setDefault(&c.AckWait, DefaultAckWait)
	setDefault(&c.MaxDeliver, DefaultMaxDeliver)
	setDefault(&c.MaxAckPending, DefaultMaxAckPending)
	setDefault(&c.HandlerTimeout, DefaultHandlerTimeout)
	setDefault(&c.DrainTimeout, DefaultDrainTimeout)
	setDefault(&c.Partitions, events.DefaultPartitions)
	setDefault(&c.Shards, events.DefaultShards)
	setDefault(&c.PinTimeout, DefaultPinTimeout)
	if c.Backoff == (Backoff{}) {
		c.Backoff = DefaultBackoff()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// Validate reports the first setting that cannot work, after defaults are
// applied to zero fields.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := validateSource(c); err != nil {
		return err
	}
	b := c.Backoff
	switch {
	case c.Bot != "" && !events.ValidBot(c.Bot):
		return fmt.Errorf("worker %s: bot id %q: want a lowercase letter, then up to 31 lowercase letters, digits or '_'", c.Name, c.Bot)
	case c.Concurrency < 1:
		return fmt.Errorf("worker %s: concurrency %d: want at least 1", c.Name, c.Concurrency)
	case c.MaxAckPending < c.Concurrency:
		return fmt.Errorf("worker %s: max ack pending %d is below concurrency %d", c.Name, c.MaxAckPending, c.Concurrency)
	case c.AckWait < minAckWait:
		return fmt.Errorf("worker %s: ack wait %s: want at least %s", c.Name, c.AckWait, minAckWait)
	case c.MaxDeliver < 1:
		return fmt.Errorf("worker %s: max deliver %d: want at least 1", c.Name, c.MaxDeliver)
	case c.HandlerTimeout < 0:
		return fmt.Errorf("worker %s: handler timeout %s: want > 0", c.Name, c.HandlerTimeout)
	case c.DrainTimeout < 0:
		return fmt.Errorf("worker %s: drain timeout %s: want > 0", c.Name, c.DrainTimeout)
	case c.Partitions < 1 || c.Partitions > maxPartitions:
		return fmt.Errorf("worker %s: partitions %d: want 1 to %d", c.Name, c.Partitions, maxPartitions)
	case c.Input == nil && c.Sharding().Validate() != nil:
		return fmt.Errorf("worker %s: %w", c.Name, c.Sharding().Validate())
	case c.Input == nil && !c.Ordered && c.MaxAckPending < c.Shards:
		return fmt.Errorf("worker %s: max ack pending %d is below the events shards %d: each shard's consumer needs at least 1", c.Name, c.MaxAckPending, c.Shards)
	case c.PinTimeout < minPinTimeout:
		return fmt.Errorf("worker %s: pin timeout %s: want at least %s", c.Name, c.PinTimeout, minPinTimeout)
	case b.Initial <= 0 || b.Max < b.Initial:
		return fmt.Errorf("worker %s: backoff initial %s, max %s: want 0 < initial <= max", c.Name, b.Initial, b.Max)
	case b.Multiplier < 1:
		return fmt.Errorf("worker %s: backoff multiplier %g: want at least 1", c.Name, b.Multiplier)
	case b.RandomizationFactor < 0 || b.RandomizationFactor >= 1:
		return fmt.Errorf("worker %s: backoff randomization %g: want 0 <= r < 1", c.Name, b.RandomizationFactor)
	}
	for _, f := range c.source().feeds(c) {
		if _, err := f.declare(); err != nil {
			return err
		}
	}
	return nil
}

// Sharding is how the events the worker reads are split over streams.
func (c Config) Sharding() events.Sharding {
	return events.Sharding{Shards: cmp.Or(c.Shards, events.DefaultShards), Partitions: cmp.Or(c.Partitions, events.DefaultPartitions)}
}

// shardWindow is, in the shared mode, how many events one shard's
// consumer may have out at once: MaxAckPending shared out over the
// shards, rounded down so that together they stay within MaxAckPending.
// With one shard it is MaxAckPending.
func (c Config) shardWindow() int {
	return max(1, c.MaxAckPending/max(c.Shards, 1))
}

// partitionWindow is, in ordered mode, how many events one partition's
// consumer may have out at once: MaxAckPending shared out over the
// partitions, rounded up.
func (c Config) partitionWindow() int {
	return max(1, (c.MaxAckPending+c.Partitions-1)/c.Partitions)
}
