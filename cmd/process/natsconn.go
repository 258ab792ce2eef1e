package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/events"
)

// NATSOptions say where JetStream is and how its streams are declared.
type NATSOptions struct {
	URL          string
	Provision    bool
	Storage      string
	Streams      events.StreamOptions
	User         string
	Password     string
	PasswordFile string
	Creds        string
	NKeySeed     string
	TLSCA        string
	TLSCert      string
	TLSKey       string
	InboxPrefix  string
	// Context names a nats CLI context whose settings fill those not
	// given otherwise; BindEnv applies it (see ApplyNATSContext).
	Context string
	// ConnectTimeout is how long Connect keeps trying to reach NATS at
	// start (0: one attempt), so a binary started before its servers
	// waits for them instead of exiting.
	ConnectTimeout time.Duration
	// NoReconnectBuffer makes a publish during a reconnect fail at once
	// instead of waiting in the client's buffer. Ingest sets it: a buffered
	// publish could reach JetStream after ingest had already answered 503
	// or spooled the event, so the answer would no longer be the truth.
	NoReconnectBuffer bool
	// SkipEventStreams keeps provisioning away from the event streams, for
	// a binary that neither stores nor reads events (the retry worker): it
	// does not know the deployment's shards and partitions, so it must not
	// declare their streams.
	SkipEventStreams bool
}

// AddFlags registers the NATS connection settings and the stream
// settings, for a binary that provisions the streams at start.
func (o *NATSOptions) AddFlags(fs *pflag.FlagSet) {
	o.AddConnFlags(fs)
	o.AddStreamFlags(fs)
}

// AddStreamFlags registers how the streams are declared (--provision and
// the stream settings). A binary that never provisions (an operator's
// tool) leaves them out: Provision then stays false.
func (o *NATSOptions) AddStreamFlags(fs *pflag.FlagSet) {
	def := events.DefaultStreamOptions()
	fs.BoolVar(&o.Provision, "provision", true, "create or update the streams and buckets at start")
	fs.IntVar(&o.Streams.Replicas, "stream-replicas", def.Replicas, "replicas of every stream and bucket (1 single server, 3 in a cluster)")
	fs.StringVar(&o.Storage, "stream-storage", "file", "stream storage: file or memory")
	fs.DurationVar(&o.Streams.EventsMaxAge, "events-max-age", def.EventsMaxAge, "how long stored events are kept (and can be replayed)")
	fs.Int64Var(&o.Streams.EventsMaxBytes, "events-max-bytes", def.EventsMaxBytes, "size limit of the events stream in bytes; -1 for none (when full, ingest answers 503)")
	fs.BoolVar(&o.Streams.EventsCompression, "events-compression", def.EventsCompression, "compress stored events (S2): less disk for a little CPU")
	fs.DurationVar(&o.Streams.DuplicateWindow, "duplicate-window", def.DuplicateWindow, "how long a redelivered webhook is recognised and stored once")
	fs.DurationVar(&o.Streams.DLQMaxAge, "dlq-max-age", def.DLQMaxAge, "how long dead letters are kept")
	fs.DurationVar(&o.Streams.ProcessedTTL, "processed-ttl", def.ProcessedTTL, "how long a worker remembers it handled an event")
}

// AddShardsFlag registers --events-shards (EVENTS_SHARDS) into n: how many
// streams the events are split over. Every binary that stores or reads
// events takes it, and all must agree (events.CheckShards tells).
func AddShardsFlag(fs *pflag.FlagSet, n *int) {
	fs.IntVar(n, "events-shards", events.DefaultShards, "event streams the partitions are split over (WEBEX_EVENTS, WEBEX_EVENTS_1, ...); the same in every binary")
}

// AddConnFlags registers where NATS is and how to authenticate.
func (o *NATSOptions) AddConnFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.URL, "nats-url", nats.DefaultURL, "NATS server URLs, comma-separated (all servers of a cluster)")
	fs.StringVar(&o.User, "nats-user", "", "NATS user name")
	fs.StringVar(&o.Password, "nats-password", "", "NATS password (prefer --nats-password-file)")
	fs.StringVar(&o.PasswordFile, "nats-password-file", "", "file holding the NATS password")
	fs.StringVar(&o.Creds, "nats-creds", "", "NATS .creds file (JWT and nkey seed)")
	fs.StringVar(&o.NKeySeed, "nats-nkey-seed", "", "file holding an nkey seed to authenticate with")
	fs.StringVar(&o.TLSCA, "nats-tls-ca", "", "CA file to verify the NATS servers with (turns TLS on)")
	fs.StringVar(&o.TLSCert, "nats-tls-cert", "", "client certificate for NATS TLS")
	fs.StringVar(&o.TLSKey, "nats-tls-key", "", "client key for NATS TLS")
	fs.StringVar(&o.InboxPrefix, "nats-inbox-prefix", "", "prefix of reply subjects (e.g. _INBOX_ingest), so NATS permissions can keep users from reading each other's replies")
	fs.StringVar(&o.Context, "nats-context", "", "a nats CLI context (~/.config/nats/context/<name>.json): its url, user, password, creds, nkey, ca, cert, key and inbox_prefix "+
		"fill the NATS settings not given as flags or variables")
	fs.DurationVar(&o.ConnectTimeout, "nats-connect-timeout", DefaultNATSConnectTimeout, "how long to keep trying to reach NATS at start before giving up (0: try once)")
	// The nats CLI's names for the same settings, so an environment set up
	// for it works here too; the older names stay valid.
	SetEnvNames(fs, "nats-tls-ca", "NATS_CA", "NATS_TLS_CA")
	SetEnvNames(fs, "nats-tls-cert", "NATS_CERT", "NATS_TLS_CERT")
	SetEnvNames(fs, "nats-tls-key", "NATS_KEY", "NATS_TLS_KEY")
	SetEnvNames(fs, "nats-nkey-seed", "NATS_NKEY", "NATS_NKEY_SEED")
}

// DefaultNATSConnectTimeout covers a NATS cluster starting next to the
// pipeline (a fresh compose or Kubernetes rollout) with room to spare.
const DefaultNATSConnectTimeout = 2 * time.Minute

// authOptions turns the credential and TLS settings into client options.
// Secrets are read from files here and go nowhere but the connection.
func (o NATSOptions) authOptions() ([]nats.Option, error) {
	var opts []nats.Option
	password := o.Password
	if password == "" && o.PasswordFile != "" {
		b, err := os.ReadFile(o.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("NATS password file: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	if o.User != "" || password != "" {
		opts = append(opts, nats.UserInfo(o.User, password))
	}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	if o.NKeySeed != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKeySeed)
		if err != nil {
			return nil, fmt.Errorf("NATS nkey seed: %w", err)
		}
		opts = append(opts, opt)
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	if o.TLSCert != "" || o.TLSKey != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	if o.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(o.InboxPrefix))
	}
	return opts, nil
}

// streamOptions resolves the storage name into the stream options.
func (o NATSOptions) streamOptions() (events.StreamOptions, error) {
	s := o.Streams
	switch {
	case o.SkipEventStreams:
		s.Sharding = events.Sharding{}
	case s.Sharding.Shards == 0:
		s.Sharding.Shards = events.DefaultShards
	}
	if s.Sharding.Shards > 0 && s.Sharding.Partitions == 0 {
		s.Sharding.Partitions = events.DefaultPartitions
	}
	switch o.Storage {
	case "file", "":
		s.Storage = jetstream.FileStorage
	case "memory":
		s.Storage = jetstream.MemoryStorage
	default:
		return s, fmt.Errorf("stream storage %q: want file or memory", o.Storage)
	}
	return s, s.Validate()
}

// Connect connects to NATS, reconnecting forever after a loss, and
// provisions the streams when asked. name identifies the client in the
// server's monitoring. The caller drains the connection.
//
// At start it keeps trying for o.ConnectTimeout while the servers cannot
// be reached (see dialNATS), logging each failure, so a binary started
// before NATS waits for it instead of crash-looping. URLs in logs and
// errors are redacted.
func Connect(ctx context.Context, o NATSOptions, name string, log *slog.Logger) (*nats.Conn, jetstream.JetStream, error) {
	var streams events.StreamOptions
	if o.Provision { // without it the stream settings may be unset: they are not needed
		var err error
		if streams, err = o.streamOptions(); err != nil {
			return nil, nil, err
		}
	}
	auth, err := o.authOptions()
	if err != nil {
		return nil, nil, err
	}
	if o.NoReconnectBuffer {
		auth = append(auth, nats.ReconnectBufSize(-1))
	}
	opts := append(auth,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected", "err", redactError(err, o.URL))
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("NATS reconnected", "server", RedactURL(c.ConnectedUrl()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				// The server drops a denied publish and answers nothing: the
				// request behind it only times out, so this line is where
				// the denied subject shows.
				log.Error("NATS denied this user a subject; requests to it time out until its permissions allow it", "err", redactError(err, o.URL))
				return
			}
			log.Warn("NATS error", "err", redactError(err, o.URL))
		}),
	)
	nc, err := dialNATS(ctx, o.URL, o.ConnectTimeout, opts, log)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s: %w", RedactURL(o.URL), redactError(err, o.URL))
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	if o.Provision {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := events.Provision(pctx, js, streams); err != nil {
			nc.Close()
			return nil, nil, err
		}
	}
	log.Info("connected to NATS", "server", RedactURL(nc.ConnectedUrl()), "provisioned", o.Provision)
	return nc, js, nil
}

// Drain drains the connection, bounded so shutdown never hangs on a dead
// server.
func Drain(nc *nats.Conn, log *slog.Logger) {
	done := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(done) })
	if err := nc.Drain(); err != nil {
		nc.Close()
		return
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		log.Warn("NATS drain timed out; closing")
		nc.Close()
	}
}
