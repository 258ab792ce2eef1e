package app

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
)

// IngestOptions configure the webhook receiver.
type IngestOptions struct {
	Addr           string
	Path           string
	Secrets        []string
	SecretFile     string
	Insecure       bool
	Partitions     int
	PublishTimeout time.Duration
	RetryAfter     time.Duration
	SpoolDir       string
	SpoolMaxBytes  int64
	MaxEventAge    time.Duration
	// Shards is EVENTS_SHARDS. AddFlags leaves it out, as not every
	// command sharing these options takes it: one that does registers
	// process.AddShardsFlag into it.
	Shards int
	// Bots is BOTS_FILE. AddFlags leaves it out too, as a command that
	// runs ingest beside workers shares one registry flag with them: the
	// ingest binary registers Bots.AddFlags.
	Bots process.BotsOptions
	// Registry, when set, is the bot registry to serve, loaded by the
	// caller; BOTS_FILE and the webhook secret settings must then be unset.
	Registry *bots.Registry
}

// AddFlags registers the ingest settings.
func (o *IngestOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Addr, "listen-addr", ":8080", "address ingest listens on")
	fs.StringVar(&o.Path, "webhook-path", "/webhooks/webex", "path Webex POSTs webhooks to")
	fs.StringSliceVar(&o.Secrets, "webex-webhook-secret", nil, "webhook secrets, comma-separated; several are valid at once while rotating")
	fs.StringVar(&o.SecretFile, "webex-webhook-secret-file", "", "file with webhook secrets, one per line")
	fs.BoolVar(&o.Insecure, "insecure-skip-signature", false, "accept webhooks without checking their signature (development only)")
	fs.IntVar(&o.Partitions, "partitions", events.DefaultPartitions, "partitions events are spread over (by room)")
	fs.DurationVar(&o.PublishTimeout, "publish-timeout", 5*time.Second, "how long ingest waits for JetStream to store an event before answering 503")
	fs.DurationVar(&o.RetryAfter, "retry-after", 5*time.Second, "Retry-After sent with a 503")
	fs.StringVar(&o.SpoolDir, "spool-dir", "", "local directory for deliveries JetStream does not take in time (answered 200 \"spooled\", forwarded later); empty: answer 503 instead")
	fs.Int64Var(&o.SpoolMaxBytes, "spool-max-bytes", ingest.DefaultSpoolMaxBytes, "size limit of the spool; when full, deliveries get 503")
	fs.DurationVar(&o.MaxEventAge, "max-event-age", ingest.DefaultMaxEventAge, "refuse (403) a delivery whose data.created is older than this; 0: no limit")
}

// ResolveSecrets returns the secrets from the flag and the file.
func (o IngestOptions) ResolveSecrets() ([][]byte, error) {
	var out [][]byte
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, []byte(s))
		}
	}
	for _, s := range o.Secrets {
		add(s)
	}
	if o.SecretFile != "" {
		b, err := os.ReadFile(o.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("webhook secret file: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			add(line)
		}
	}
	return out, nil
}

// BotRegistry is the bots ingest serves: Registry when set, else those of
// BOTS_FILE (each registration's webhook secrets read, no token), else the
// one bot of WEBEX_WEBHOOK_SECRET(_FILE).
func (o IngestOptions) BotRegistry() (*bots.Registry, error) {
	if o.Registry != nil {
		if o.Bots.File != "" || len(o.Secrets) > 0 || o.SecretFile != "" {
			return nil, errors.New("a bot registry is given: leave BOTS_FILE and WEBEX_WEBHOOK_SECRET(_FILE) unset")
		}
		return o.Registry, nil
	}
	bo := o.Bots
	bo.SkipTokens, bo.Unsigned = true, o.Insecure
	return bo.Registry(bots.SingleSettings{Secrets: o.Secrets, SecretFile: o.SecretFile})
}

// Config builds the ingest configuration. Without a registry (Registry,
// BOTS_FILE) it holds the secrets in Secrets, as before there were bots
// (dev mode registers its webhooks with the first); with one, in Bots.
func (o IngestOptions) Config(log *slog.Logger, reg *prometheus.Registry) (ingest.Config, error) {
	var (
		secrets  [][]byte
		registry *bots.Registry
		err      error
		single   = o.Registry == nil && o.Bots.File == ""
	)
	if single {
		secrets, err = o.ResolveSecrets()
	} else {
		registry, err = o.BotRegistry()
	}
	if err != nil {
		return ingest.Config{}, err
	}
	cfg := ingest.Config{
		Path:           o.Path,
		Secrets:        secrets,
		Bots:           registry,
		Insecure:       o.Insecure,
		Partitions:     o.Partitions,
		Shards:         o.Shards,
		PublishTimeout: o.PublishTimeout,
		RetryAfter:     o.RetryAfter,
		SpoolDir:       o.SpoolDir,
		SpoolMaxBytes:  o.SpoolMaxBytes,
		MaxEventAge:    o.MaxEventAge,
		Logger:         log,
		Metrics:        reg,
	}
	if o.MaxEventAge == 0 {
		cfg.MaxEventAge = -1 // the flag's 0 is "no limit"; Config's is the default
	}
	err = cfg.Validate()
	if single && errors.Is(err, ingest.ErrNoSecret) {
		return cfg, errors.New("no webhook secret: set WEBEX_WEBHOOK_SECRET or WEBEX_WEBHOOK_SECRET_FILE " +
			"(or INSECURE_SKIP_SIGNATURE=true, for local development only)")
	}
	return cfg, err
}
