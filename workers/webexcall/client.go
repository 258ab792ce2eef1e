package webexcall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

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
	// Bot is the bot whose token the client calls with (see
	// events.ValidBot); "" or events.DefaultBot is the bot of a single-bot
	// deployment. The calls it stores and the stored messages it looks
	// for are that bot's.
	Bot string
	// Gate is the bot token's shared pause; nil calls Webex without one.
	Gate *ratelimit.Gate
	// Outbox stores failed writes for the retry worker; nil returns them to
	// the handler like reads.
	Outbox *outbox.Store
	// Events is where the bot's own messages are looked for (their
	// webhooks stored on WEBEX_EVENTS) when a room cannot be listed, see
	// LookForSent. nil means the outbox's connection, or no such look
	// without an outbox.
	Events jetstream.JetStream
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
	// RecheckAfter is, in ordered mode, how long after a write whose
	// outcome is unknown its event comes back to look for the effect
	// before sending again; Webex may still be storing the first attempt.
	// Default DefaultRecheckAfter.
	RecheckAfter time.Duration
	// TracerProvider makes a span per request sent to Webex; nil means
	// OpenTelemetry's global provider, a no-op unless the process
	// installed one.
	TracerProvider trace.TracerProvider
}

// DefaultRecheckAfter is Options.RecheckAfter's default.
const DefaultRecheckAfter = 10 * time.Second

// Client calls Webex for one worker type. It is safe for concurrent use.
type Client struct {
	api          *webex.Client
	worker       string
	bot          string
	gate         *ratelimit.Gate
	store        *outbox.Store
	witness      Witness // nil: none
	recheckAfter time.Duration
	log          *slog.Logger
	m            *metrics
	now          func() time.Time
	id           *Identity
	token        *tokenState // whether Webex refuses the token (401)
	tracer       trace.Tracer
}

// New wraps api for worker o.Worker.
func New(api *webex.Client, o Options) (*Client, error) {
	if api == nil {
		return nil, errors.New("webexcall: webex client is required")
	}
	if !events.ValidToken(o.Worker) {
		return nil, fmt.Errorf("webexcall: worker name %q: %w", o.Worker, events.ErrUnsafeToken)
	}
	if o.Bot != "" && !events.ValidBot(o.Bot) {
		return nil, fmt.Errorf("webexcall: bot id %q: %w", o.Bot, events.ErrUnsafeToken)
	}
	o.Bot = events.BotOrDefault(o.Bot)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RecheckAfter <= 0 {
		o.RecheckAfter = DefaultRecheckAfter
	}
	m, err := newMetrics(o.Metrics, o.Worker, o.Bot)
	if err != nil {
		return nil, err
	}
	if o.TokenRecheck <= 0 {
		o.TokenRecheck = DefaultTokenRecheck
	}
	refused, err := newRefusedGauge(o.Metrics, o.Worker, o.Bot)
	if err != nil {
		return nil, err
	}
	if o.Events == nil && o.Outbox != nil {
		o.Events = o.Outbox.JetStream()
	}
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	log := o.Logger.With("worker", o.Worker)
	if o.Bot != events.DefaultBot {
		log = log.With("bot", o.Bot)
	}
	c := &Client{
		api: api, worker: o.Worker, bot: o.Bot, gate: o.Gate, store: o.Outbox,
		log: log, m: m, now: o.Now, recheckAfter: o.RecheckAfter, id: o.Identity,
		token:  &tokenState{api: api, every: o.TokenRecheck, now: o.Now, log: log, gauge: refused},
		tracer: o.TracerProvider.Tracer(tracerName),
	}
	if c.id == nil {
		c.id = NewIdentity(c)
	}
	if o.Events != nil {
		c.witness = NewBotStoredEvents(o.Events, o.Bot)
	}
	return c, nil
}

// BotMessages implements Witness with the stored events (Options.Events);
// without them it finds nothing.
func (c *Client) BotMessages(ctx context.Context, botID, roomID string, since time.Time) ([]string, error) {
	if c.witness == nil {
		return nil, nil
	}
	return c.witness.BotMessages(ctx, botID, roomID, since)
}

// UnverifiedResend counts a POST sent again although nothing showed that
// the earlier attempt, whose outcome was unknown, did not post (Evidence
// Unverified): each may be a duplicate in the room.
func (c *Client) UnverifiedResend() { c.m.unverified.Inc() }

// ReplyLatency records how long a reply took from the event it answers
// (webexpipe_reply_latency_seconds).
func (c *Client) ReplyLatency(d time.Duration) { c.m.replyLatency.Observe(d.Seconds()) }

// String names the API and the worker, never the token.
func (c *Client) String() string { return "webexcall.Client(" + c.worker + ", " + c.api.String() + ")" }

// Bot is the id of the bot the client calls as (Options.Bot).
func (c *Client) Bot() string { return c.bot }

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
