package console

import (
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/status"
)

// Config is what a Console shows and who may see it.
type Config struct {
	// JS reads the streams; required.
	JS jetstream.JetStream
	// Webhooks, when set, lists the webhooks on Webex (see status.Options).
	Webhooks status.WebhookLister
	// Token, when set, is required of every request (bearer, or the
	// password of basic authentication). It is never logged.
	Token []byte
	// Write allows redriving dead letters; by default the view only reads.
	Write bool
	// Logger receives a line per refused request and per redrive; nil
	// discards them.
	Logger *slog.Logger
	// Timeout bounds the reads behind one page; 0 means DefaultTimeout.
	Timeout time.Duration
	// Refresh is how often the overview reloads itself; 0 means
	// DefaultRefresh, negative never.
	Refresh time.Duration
	// DeadLetters is how many dead letters the overview lists (the
	// oldest); 0 means DefaultDeadLetters.
	DeadLetters int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Metrics registers the console's counters; nil registers nothing.
	Metrics prometheus.Registerer
	// Sharding is how the events are split over streams; zero means one
	// stream. The view shows every shard, and redrives onto them.
	Sharding events.Sharding
}

// Defaults of Config.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultRefresh     = 5 * time.Second
	DefaultDeadLetters = 100
)

// ErrNoJetStream is returned by New without Config.JS.
var ErrNoJetStream = errors.New("console: no JetStream to read")

func (c *Config) setDefaults() error {
	if c.JS == nil {
		return ErrNoJetStream
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Refresh == 0 {
		c.Refresh = DefaultRefresh
	}
	if c.DeadLetters <= 0 {
		c.DeadLetters = DefaultDeadLetters
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}
