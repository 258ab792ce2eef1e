package workerkit

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// CallOptions say how a worker calls Webex: the clamp on the pause a 429
// starts for every worker of the token, and whether failed writes go to the
// retry worker.
type CallOptions struct {
	MaxPause time.Duration
	// Bot is the bot whose token the calls are made with; "" means
	// events.DefaultBot. Set per bot by the process, not a setting.
	Bot string
	// Outbox applies to workers of webhook events only: the retry worker
	// keeps its calls in their records.
	Outbox bool
}

// AddFlags registers the settings of every worker that calls Webex.
func (o *CallOptions) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.MaxPause, "webex-max-pause", ratelimit.DefaultMaxPause,
		"longest pause a 429's Retry-After may impose on every worker of the bot token (garbage reads as 15s, huge values are clamped to this)")
}

// AddOutboxFlag registers --webex-outbox, for a worker of webhook events
// that calls Webex.
func (o *CallOptions) AddOutboxFlag(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Outbox, "webex-outbox", true,
		"store Webex writes that failed retryably on WEBEX_CALLS for the retry worker (run retry-worker); false retries them by redelivering the event")
}

// setupTimeout bounds opening a worker's rate-limit gate.
const setupTimeout = 10 * time.Second

// WebexCaller wraps client for worker: every call waits out the bot token's
// shared pause (webex_ratelimit), 429s and 423s extend it for everyone, and
// with o.Outbox a write that fails retryably while handling an event is
// stored for the retry worker. Calls are counted in reg. The pause is
// watched until js's connection closes.
func WebexCaller(ctx context.Context, js jetstream.JetStream, client *webex.Client, worker string, o CallOptions, log *slog.Logger, reg prometheus.Registerer) (*webexcall.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	blog := botLogger(log, o.Bot)
	gate, err := ratelimit.Open(ctx, js, client.TokenKey(), ratelimit.Options{Worker: worker, Bot: o.Bot, MaxPause: o.MaxPause, Logger: blog.With("worker", worker), Metrics: reg})
	if err != nil {
		return nil, err
	}
	// Events: where a group room cannot be listed, the bot's own stored
	// messages show whether an ambiguous POST went through (retry worker too).
	co := webexcall.Options{Worker: worker, Bot: o.Bot, Gate: gate, Events: js, Logger: log, Metrics: reg}
	if o.Outbox {
		co.Outbox = outbox.NewStore(js)
	}
	c, err := webexcall.New(client, co)
	if err != nil {
		gate.Close()
		return nil, err
	}
	// A wrong or revoked token makes the worker unready now, not at its
	// first event; Webex being unreachable is not the token's fault.
	if err := c.CheckToken(ctx); err != nil && !errors.Is(err, webexcall.ErrTokenRefused) {
		blog.Warn("could not check the bot token at start", "worker", worker, "error", err)
	}
	return c, nil
}
