package ingest

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/events"
)

// Service is the ingest HTTP service. Build it with New; it is safe for
// concurrent use. It does not own the NATS connection: the caller closes it
// after Serve returned.
type Service struct {
	cfg  Config
	log  *slog.Logger
	bots *botRoutes
	// botPrefix starts a bot's webhook path (botPrefix + its id);
	// botSpanRoute is that path as a span's http.route.
	botPrefix, botSpanRoute string
	pub                     *publisher
	spool                   *spooler // nil without Config.SpoolDir
	ready                   *readiness
	metrics                 *metrics
	tracer                  trace.Tracer
	handler                 http.Handler
}

// New checks cfg, fills in defaults and registers the service's metrics in
// cfg.Metrics. nc is the connection js was made from; readiness watches it.
func New(cfg Config, nc *nats.Conn, js jetstream.JetStream) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if nc == nil || js == nil {
		return nil, errors.New("ingest: a NATS connection and a JetStream context are required")
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(cfg.Metrics, botIDs(cfg))
	if err != nil {
		return nil, err
	}
	pub := newPublisher(js, cfg.Sharding(), cfg.PublishTimeout)
	s := &Service{
		cfg:       cfg,
		log:       cfg.Logger,
		bots:      newBotRoutes(cfg, m),
		botPrefix: strings.TrimSuffix(cfg.Path, "/") + "/",
		pub:       pub,
		ready:     &readiness{nc: nc, js: js, streams: cfg.Sharding().Streams(), now: cfg.Now, log: cfg.Logger},
		metrics:   m,
		tracer:    cfg.TracerProvider.Tracer(tracerName),
	}
	s.botSpanRoute = s.botPrefix + "{bot}"
	if cfg.SpoolDir != "" {
		if s.spool, err = openSpooler(cfg, pub, cfg.Metrics); err != nil {
			return nil, err
		}
	}
	if cfg.KnownWebhooks == nil {
		s.cfg.KnownWebhooks = NewWebhookIDs()
	}
	for id := range s.bots.byWebhook {
		s.cfg.KnownWebhooks.Add(id) // registered: one of the deployment's
	}
	// A known webhook's series exists from the moment it is known, so
	// the first failure shows as an increase.
	s.cfg.KnownWebhooks.watch(func(id string) { m.signatureFailures.WithLabelValues(id) })
	s.handler = s.routes()
	s.logConfig(nc)
	return s, nil
}

// botIDs are the ids of the bots cfg serves.
func botIDs(cfg Config) []string {
	if cfg.Bots == nil {
		return []string{events.DefaultBot}
	}
	return cfg.Bots.IDs()
}

// Forward drains the spool to JetStream until ctx ends; Serve runs it. It
// returns at once without a spool.
func (s *Service) Forward(ctx context.Context) error {
	if s.spool == nil {
		return nil
	}
	return s.spool.forward(ctx)
}

// Close releases the spool. Call it after Serve and Forward returned.
func (s *Service) Close() error {
	if s.spool == nil {
		return nil
	}
	return s.spool.sp.Close()
}

// Handler serves the webhook at Config.Path (any method reaches it, so that
// a wrong one gets a counted 405), GET /healthz, GET /readyz and
// GET /metrics; any other path gets a counted 404.
func (s *Service) Handler() http.Handler { return s.handler }

// logConfig logs the effective configuration, secrets counted but never
// shown, and warns about settings that will hurt.
func (s *Service) logConfig(nc *nats.Conn) {
	s.log.Info("ingest configured",
		"path", s.cfg.Path,
		"bots", botIDs(s.cfg),
		"registered_webhooks", len(s.bots.byWebhook),
		"secrets", len(s.cfg.Secrets),
		"insecure", s.cfg.Insecure,
		"partitions", s.cfg.Partitions,
		"events_shards", s.cfg.Shards,
		"max_body_bytes", s.cfg.MaxBodyBytes,
		"publish_timeout", s.cfg.PublishTimeout,
		"retry_after", s.cfg.RetryAfter,
		"spool_dir", s.cfg.SpoolDir,
		"max_event_age", s.cfg.MaxEventAge,
	)
	if s.cfg.Insecure {
		s.log.Warn("INSECURE: webhook signatures are NOT checked; anyone who reaches " + s.cfg.Path +
			" can store events. Use for local development only.")
	}
	if mp := nc.MaxPayload(); mp > 0 && s.cfg.MaxBodyBytes > mp {
		s.log.Warn("max body bytes exceeds the NATS server's max_payload; bodies near the limit will get 413",
			"max_body_bytes", s.cfg.MaxBodyBytes, "max_payload", mp)
	}
}
