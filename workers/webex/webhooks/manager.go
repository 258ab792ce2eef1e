package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// Defaults applied to zero Options fields.
const (
	// DefaultMinDisabled is the five-minute rule: a webhook is not
	// re-activated sooner after it was (first seen) disabled.
	DefaultMinDisabled = 5 * time.Minute
	// DefaultMaxBackoff caps the wait before re-activating a webhook that
	// keeps getting disabled.
	DefaultMaxBackoff = time.Hour
	// DefaultLockTTL is how long a holder keeps the lock without renewing:
	// longer than any ensure takes, short enough that a crashed holder does
	// not block the others for long.
	DefaultLockTTL = 30 * time.Second
	// DefaultLockWait is how long Ensure waits for the lock.
	DefaultLockWait = 45 * time.Second
)

// Options shape a Manager. The zero value is usable.
type Options struct {
	// NamePrefix recognises managed webhooks; default DefaultNamePrefix.
	NamePrefix string
	// Bot is the bot whose token the manager uses, in a deployment of
	// several bots; "" or events.DefaultBot for the bot of a single-bot
	// deployment. Each bot's ensure lock and watchdog heartbeat are its
	// own, so that watchdogs of different bots in different processes
	// neither wait for each other nor hide each other's absence.
	Bot string
	// MinDisabled and MaxBackoff bound the wait before re-activating a
	// disabled webhook (see the package doc).
	MinDisabled time.Duration
	MaxBackoff  time.Duration
	// LockTTL and LockWait tune the ensure lock.
	LockTTL  time.Duration
	LockWait time.Duration
	// Now is the clock of the five-minute rule; nil means time.Now. The
	// lock's lease always follows the real clock.
	Now func() time.Time
	// Logger receives a line per change; nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.NamePrefix == "" {
		o.NamePrefix = DefaultNamePrefix
	}
	if o.MinDisabled <= 0 {
		o.MinDisabled = DefaultMinDisabled
	}
	if o.MaxBackoff < o.MinDisabled {
		o.MaxBackoff = max(DefaultMaxBackoff, o.MinDisabled)
	}
	if o.LockTTL <= 0 {
		o.LockTTL = DefaultLockTTL
	}
	if o.LockWait <= 0 {
		o.LockWait = DefaultLockWait
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Manager manages the webhooks of one bot token. It is safe for concurrent
// use; concurrent Ensures, in one process or many, take turns.
type Manager struct {
	api    WebexAPI
	kv     jetstream.KeyValue // events.WebhooksBucket
	o      Options
	holder string // names this manager in the lock
}

// New returns a Manager calling Webex through api and keeping its shared
// state in kv, the events.WebhooksBucket bucket.
func New(api WebexAPI, kv jetstream.KeyValue, o Options) (*Manager, error) {
	o = o.withDefaults()
	if strings.TrimSpace(o.NamePrefix) != o.NamePrefix {
		return nil, fmt.Errorf("%w: name prefix %q has surrounding spaces", ErrInvalidSpec, o.NamePrefix)
	}
	if api == nil || kv == nil {
		return nil, fmt.Errorf("%w: a Webex client and the %s bucket are required", ErrInvalidSpec, events.WebhooksBucket)
	}
	return &Manager{api: api, kv: kv, o: o, holder: holderID()}, nil
}

// Open opens the webhooks bucket on js and returns a Manager.
func Open(ctx context.Context, api WebexAPI, js jetstream.JetStream, o Options) (*Manager, error) {
	kv, err := js.KeyValue(ctx, events.WebhooksBucket)
	if err != nil {
		// A timeout here is what NATS gives both for a bucket nobody
		// provisioned and for a look-up this user may not send: name the
		// subject, so that a denied permission can be told apart (the
		// connection's error handler logs the violation itself).
		return nil, fmt.Errorf("open bucket %s (request $JS.API.STREAM.INFO.KV_%s: the bucket must be provisioned and this NATS user allowed to publish there): %w",
			events.WebhooksBucket, events.WebhooksBucket, err)
	}
	return New(api, kv, o)
}

// Ensure makes Webex match spec: see Manager.Ensure. It is the one call
// dev mode needs: it opens the bucket, ensures, and returns the report.
func Ensure(ctx context.Context, api WebexAPI, js jetstream.JetStream, spec Spec, o Options) (*Report, error) {
	m, err := Open(ctx, api, js, o)
	if err != nil {
		return nil, err
	}
	return m.Ensure(ctx, spec)
}

// NamePrefix is the prefix of the webhooks m manages.
func (m *Manager) NamePrefix() string { return m.o.NamePrefix }

// holderID names a lock holder in the bucket, for an operator looking at
// who holds it: host, process and a random part.
func holderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}
