package webexcall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// sideTimeout bounds the bookkeeping after a call (storing it, writing a
// pause), which does not follow the caller's context: that may be the very
// thing that ended.
const sideTimeout = 5 * time.Second

// Options configure a Client.
type Options struct {
	// Worker is the worker type making the calls; it names the subject
	// stored calls go to and labels metrics. Required.
	Worker string
	// Gate is the bot token's shared pause; nil calls Webex without one.
	Gate *ratelimit.Gate
	// Outbox stores failed writes for the retry worker; nil returns them to
	// the handler like reads.
	Outbox *outbox.Store
	// Logger receives a line per stored call; nil discards.
	Logger *slog.Logger
	// Metrics is where the client registers its metrics; nil keeps them in
	// a private registry. Several clients may share one registerer.
	Metrics prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Identity is the bot, shared with the handlers of the process; nil
	// makes one that asks Webex through this client (and so its pause).
	Identity *Identity
	// TokenRecheck is how often, while Webex refuses the token, it is
	// asked again; default DefaultTokenRecheck.
	TokenRecheck time.Duration
}

// Client calls Webex for one worker type. It is safe for concurrent use.
type Client struct {
	api    *webex.Client
	worker string
	gate   *ratelimit.Gate
	store  *outbox.Store
	log    *slog.Logger
	m      *metrics
	now    func() time.Time
	id     *Identity
	token  *tokenState // whether Webex refuses the token (401)
}

// New wraps api for worker o.Worker.
func New(api *webex.Client, o Options) (*Client, error) {
	if api == nil {
		return nil, errors.New("webexcall: webex client is required")
	}
	if !events.ValidToken(o.Worker) {
		return nil, fmt.Errorf("webexcall: worker name %q: %w", o.Worker, events.ErrUnsafeToken)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m, err := newMetrics(o.Metrics, o.Worker)
	if err != nil {
		return nil, err
	}
	if o.TokenRecheck <= 0 {
		o.TokenRecheck = DefaultTokenRecheck
	}
	refused, err := newRefusedGauge(o.Metrics, o.Worker)
	if err != nil {
		return nil, err
	}
	log := o.Logger.With("worker", o.Worker)
	c := &Client{
		api: api, worker: o.Worker, gate: o.Gate, store: o.Outbox,
		log: log, m: m, now: o.Now, id: o.Identity,
		token: &tokenState{api: api, every: o.TokenRecheck, now: o.Now, log: log, gauge: refused},
	}
	if c.id == nil {
		c.id = NewIdentity(c)
	}
	return c, nil
}

// String names the API and the worker, never the token.
func (c *Client) String() string { return "webexcall.Client(" + c.worker + ", " + c.api.String() + ")" }

// Identity is the bot as this client learns it (Options.Identity).
func (c *Client) Identity() *Identity { return c.id }

// BotID returns the bot's personId (Identity.ID).
func (c *Client) BotID(ctx context.Context) (string, error) { return c.id.ID(ctx) }

// PausedUntil is the end of the bot token's pause as this process knows it
// (zero without a gate).
func (c *Client) PausedUntil(ctx context.Context) time.Time {
	if c.gate == nil {
		return time.Time{}
	}
	return c.gate.Until(ctx)
}
