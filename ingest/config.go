package ingest

import (
	"cmp"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/events"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultPath           = "/webhooks/webex"
	DefaultMaxBodyBytes   = 1 << 20
	DefaultPublishTimeout = 5 * time.Second
	DefaultRetryAfter     = 5 * time.Second
	DefaultSpoolMaxBytes  = 1 << 30
	DefaultMaxEventAge    = 24 * time.Hour
)

// Routes served next to the webhook path; Config.Path may not take them.
const (
	healthzPath = "/healthz"
	readyzPath  = "/readyz"
	metricsPath = "/metrics"
)

// Config is what the ingest service needs besides its NATS connection. The
// zero value of every field except Secrets and Bots selects a default;
// Validate tells what cannot work.
type Config struct {
	// Path is where Webex POSTs deliveries; default DefaultPath. A bot's
	// deliveries may also come to Path/<bot id> (see "Many bots" in the
	// package doc).
	Path string
	// Secrets are the valid webhook secrets of a single-bot deployment,
	// whose one bot is events.DefaultBot. More than one is valid while a
	// secret is rotated. Empty entries are ignored. Never logged. Leave it
	// empty when Bots is set.
	Secrets [][]byte
	// Bots are the bots the service stores deliveries for, each
	// registration verified with its own secrets (tokens are not used and
	// may be left unread). Nil: the one bot events.DefaultBot, verified
	// with Secrets.
	Bots *bots.Registry
	// Insecure accepts deliveries without checking their signature. For dev
	// only: anyone who can reach the port can store events. New logs a WARN.
	Insecure bool
	// Partitions is the number of partitions events are spread over; it
	// must match what the deployment's workers expect. Default
	// events.DefaultPartitions.
	Partitions int
	// Shards is the number of streams the partitions are split over
	// (events.Sharding): an event is stored in the stream of its
	// partition's shard, and refused unless it lands there. It must match
	// the deployment's streams (events.CheckShards). Default
	// events.DefaultShards.
	Shards int
	// MaxBodyBytes bounds a delivery's body; larger ones get 413. Default
	// DefaultMaxBodyBytes (1 MiB); at most the events stream's MaxMsgSize.
	MaxBodyBytes int64
	// PublishTimeout bounds the wait for JetStream's acknowledgement; the
	// request's own context bounds it too. Default DefaultPublishTimeout.
	PublishTimeout time.Duration
	// RetryAfter is sent in the Retry-After header of a 503, in whole
	// seconds rounded up. Default DefaultRetryAfter.
	RetryAfter time.Duration
	// Logger receives one line per refused delivery and per failed publish.
	// Nil discards logs.
	Logger *slog.Logger
	// Metrics is where the service registers its collectors; /metrics
	// serves this registry. Nil gives the service a private registry.
	Metrics *prometheus.Registry
	// Now stamps Webex-Received-At and ages the readiness cache; default
	// time.Now.
	Now func() time.Time
	// SpoolDir, when set, turns on the local spool: a delivery JetStream
	// does not acknowledge within PublishTimeout is appended there (fsynced)
	// and answered 200 "spooled", and Serve forwards the spool to JetStream
	// in order once it answers. Empty: such a delivery gets 503.
	SpoolDir string
	// SpoolMaxBytes bounds the spool; when it is full deliveries get 503.
	// Default DefaultSpoolMaxBytes.
	SpoolMaxBytes int64
	// MaxEventAge refuses (403) a delivery whose event, by its
	// data.created, happened longer than this before it arrived: a
	// captured delivery replayed after the stream's duplicate window would
	// otherwise be stored again. Only deliveries arriving over HTTP are
	// checked, not those the spool forwards. Default DefaultMaxEventAge;
	// negative turns the check off.
	MaxEventAge time.Duration
	// TracerProvider makes the span of each delivery (see "Tracing" in the
	// package doc); nil means OpenTelemetry's global provider, a no-op
	// unless the process installed one.
	TracerProvider trace.TracerProvider
	// KnownWebhooks are the deployment's webhook ids (see WebhookIDs);
	// the service adds those of validly signed deliveries. Nil: a set of
	// the service's own.
	KnownWebhooks *WebhookIDs
}

// Validate reports the first setting that cannot work. Zero values are
// valid: they select defaults.
func (c Config) Validate() error {
	if err := c.validateBots(); err != nil {
		return err
	}
	if c.Path != "" {
		if err := validatePath(c.Path); err != nil {
			return err
		}
	}
	switch {
	case c.Partitions < 0:
		return fmt.Errorf("%w: partitions %d: want > 0", ErrInvalidConfig, c.Partitions)
	case c.Shards < 0:
		return fmt.Errorf("%w: events shards %d: want > 0", ErrInvalidConfig, c.Shards)
	case c.MaxBodyBytes < 0 || c.MaxBodyBytes > maxBodyLimit():
		return fmt.Errorf("%w: max body bytes %d: want 1 to %d", ErrInvalidConfig, c.MaxBodyBytes, maxBodyLimit())
	case c.PublishTimeout < 0:
		return fmt.Errorf("%w: publish timeout %s: want > 0", ErrInvalidConfig, c.PublishTimeout)
	case c.RetryAfter < 0:
		return fmt.Errorf("%w: retry after %s: want > 0", ErrInvalidConfig, c.RetryAfter)
	case c.SpoolMaxBytes < 0:
		return fmt.Errorf("%w: spool max bytes %d: want > 0", ErrInvalidConfig, c.SpoolMaxBytes)
	}
	if err := c.Sharding().Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// Sharding is how the service splits the events over streams: Shards
// over Partitions, each defaulted when zero.
func (c Config) Sharding() events.Sharding {
	return events.Sharding{
		Shards:     cmp.Or(c.Shards, events.DefaultShards),
		Partitions: cmp.Or(c.Partitions, events.DefaultPartitions),
	}
}

// withDefaults returns c with defaults filled in and empty secrets dropped.
func (c Config) withDefaults() Config {
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.Partitions == 0 {
		c.Partitions = events.DefaultPartitions
	}
	if c.Shards == 0 {
		c.Shards = events.DefaultShards
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.PublishTimeout == 0 {
		c.PublishTimeout = DefaultPublishTimeout
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	if c.SpoolMaxBytes == 0 {
		c.SpoolMaxBytes = DefaultSpoolMaxBytes
	}
	if c.MaxEventAge == 0 {
		c.MaxEventAge = DefaultMaxEventAge
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = prometheus.NewRegistry()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TracerProvider == nil {
		c.TracerProvider = otel.GetTracerProvider()
	}
	secrets := make([][]byte, 0, len(c.Secrets))
	for _, s := range c.Secrets {
		if len(s) > 0 {
			secrets = append(secrets, s)
		}
	}
	c.Secrets = secrets
	return c
}

// validateBots checks that every bot can have its deliveries verified.
func (c Config) validateBots() error {
	if c.Bots == nil {
		if !c.Insecure && !hasSecret(c.Secrets) {
			return ErrNoSecret
		}
		return nil
	}
	switch {
	case hasSecret(c.Secrets):
		return fmt.Errorf("%w: both secrets and a bot registry: the registry names each bot's secrets", ErrInvalidConfig)
	case c.Bots.Len() == 0:
		return fmt.Errorf("%w: the bot registry has no bot", ErrInvalidConfig)
	case c.Insecure:
		return nil
	}
	for _, b := range c.Bots.Bots() {
		if len(b.Secrets()) == 0 {
			return fmt.Errorf("%w: bot %s", ErrNoSecret, b.ID)
		}
	}
	return nil
}

func hasSecret(secrets [][]byte) bool {
	for _, s := range secrets {
		if len(s) > 0 {
			return true
		}
	}
	return false
}

// maxBodyLimit is the largest body the events stream can hold at all.
func maxBodyLimit() int64 {
	return int64(events.EventsStreamConfig(events.DefaultStreamOptions()).MaxMsgSize)
}

// validatePath accepts a plain absolute path: no ServeMux pattern syntax
// (methods, hosts, wildcards) and none of the service's other routes.
func validatePath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("%w: path %q: must start with /", ErrInvalidConfig, p)
	case strings.ContainsAny(p, " \t\r\n{}?#"):
		return fmt.Errorf("%w: path %q: must be a plain path", ErrInvalidConfig, p)
	case p == healthzPath || p == readyzPath || p == metricsPath:
		return fmt.Errorf("%w: path %q: reserved", ErrInvalidConfig, p)
	}
	return nil
}
