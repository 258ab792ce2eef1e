package recovery

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
)

// Defaults applied to zero Options fields.
const (
	// DefaultMaxWindow is the longest window recovered: the wait before a
	// webhook disabled again and again is re-activated grows to an hour,
	// and messages much older than that want no late answer.
	DefaultMaxWindow = 2 * time.Hour
	// DefaultMaxRooms is the most rooms one recovery lists.
	DefaultMaxRooms = 100
	// DefaultMaxMessages is the most messages one recovery stores.
	DefaultMaxMessages = 200
	// DefaultLookback is how long before the outage's first sighting its
	// window starts: Webex's five minutes of failed deliveries before it
	// disables a webhook, the watchdog's interval before it looks, and
	// clock differences.
	DefaultLookback = 10 * time.Minute
	// DefaultLeaseTTL is how long a process keeps the recovery lease
	// without renewing it (it renews after every room).
	DefaultLeaseTTL = 2 * time.Minute
	// DefaultRunTimeout bounds one Run, so that the watchdog that calls it
	// gets back to its webhooks.
	DefaultRunTimeout = 5 * time.Minute
)

// Options shape a Recoverer. The zero value is usable.
type Options struct {
	// Bot is the bot whose messages are recovered, with its token (the
	// WebexAPI's): onto its subjects, under its dedup keys, with its own
	// gaps and room cursors. "" is events.DefaultBot. The recoveries of
	// all bots share one lock, so one runs at a time.
	Bot string
	// MaxWindow, MaxRooms and MaxMessages bound one recovery (see the
	// package doc).
	MaxWindow   time.Duration
	MaxRooms    int
	MaxMessages int
	// Lookback: see DefaultLookback.
	Lookback time.Duration
	// Partitions must be ingest's (PARTITIONS); 0 means
	// events.DefaultPartitions.
	Partitions int
	// Shards must be the deployment's (EVENTS_SHARDS): the stored message
	// events are read from every shard's stream (through
	// events.RecoveryConsumer on each), and a recovered event is stored on
	// its partition's shard. 0 means events.DefaultShards.
	Shards int
	// LeaseTTL and RunTimeout: see their defaults.
	LeaseTTL   time.Duration
	RunTimeout time.Duration
	// Metrics receives the recovery metrics; nil keeps them in a private
	// registry.
	Metrics prometheus.Registerer
	// Logger receives a line per recovery and per cut; nil discards them.
	Logger *slog.Logger
	// OnFinish, when set, is called after every recovery that finished.
	OnFinish func(Result)
	// Now is the clock of the received-at header of recovered events; nil
	// means time.Now. Windows come from the outages, leases follow the
	// real clock.
	Now func() time.Time
}

// Validate reports the first option that cannot work; the error wraps
// ErrInvalidOptions.
func (o Options) Validate() error {
	switch {
	case o.Bot != "" && !events.ValidBot(o.Bot):
		return fmt.Errorf("%w: bot %q", ErrInvalidOptions, o.Bot)
	case o.MaxWindow < 0:
		return fmt.Errorf("%w: max window %s", ErrInvalidOptions, o.MaxWindow)
	case o.MaxRooms < 0:
		return fmt.Errorf("%w: max rooms %d", ErrInvalidOptions, o.MaxRooms)
	case o.MaxMessages < 0:
		return fmt.Errorf("%w: max messages %d", ErrInvalidOptions, o.MaxMessages)
	case o.Lookback < 0:
		return fmt.Errorf("%w: lookback %s", ErrInvalidOptions, o.Lookback)
	case o.Partitions < 0:
		return fmt.Errorf("%w: partitions %d", ErrInvalidOptions, o.Partitions)
	case o.Shards < 0:
		return fmt.Errorf("%w: events shards %d", ErrInvalidOptions, o.Shards)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.MaxWindow == 0 {
		o.MaxWindow = DefaultMaxWindow
	}
	if o.MaxRooms == 0 {
		o.MaxRooms = DefaultMaxRooms
	}
	if o.MaxMessages == 0 {
		o.MaxMessages = DefaultMaxMessages
	}
	if o.Lookback == 0 {
		o.Lookback = DefaultLookback
	}
	if o.Partitions == 0 {
		o.Partitions = events.DefaultPartitions
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.RunTimeout <= 0 {
		o.RunTimeout = DefaultRunTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
