package retryworker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/retry"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// Options configure the retry worker: its backoff policy and how it
// treats calls whose outcome is unknown and early 404s.
type Options struct {
	Policy        retry.Policy
	RecheckAfter  time.Duration
	NotFoundGrace time.Duration
}

// AddFlags registers the retry worker's settings.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	def := retry.DefaultConfig()
	fs.DurationVar(&o.Policy.Initial, "retry-initial-interval", def.Policy.Initial, "delay after a call's first failure")
	fs.Float64Var(&o.Policy.Multiplier, "retry-multiplier", def.Policy.Multiplier, "factor the delay grows by after each further failure")
	fs.Float64Var(&o.Policy.Randomization, "retry-randomization", def.Policy.Randomization, "jitter: each delay varies by up to this fraction either way (0 to <1)")
	fs.DurationVar(&o.Policy.MaxInterval, "retry-max-interval", def.Policy.MaxInterval, "longest delay between two attempts")
	fs.DurationVar(&o.Policy.MaxElapsed, "retry-max-elapsed", def.Policy.MaxElapsed, "how long after its first failure a call is still attempted; then it goes to the dead-letter queue")
	fs.DurationVar(&o.RecheckAfter, "retry-recheck-after", def.RecheckAfter, "after an attempt whose outcome is unknown (timeout, 502, 504), wait this long before looking for its effect and sending again")
	fs.DurationVar(&o.NotFoundGrace, "retry-not-found-grace", def.NotFoundGrace, "a 404 this soon after a call's first failure is taken for Webex's replication lag and retried")
}

// Config builds the retry handler's configuration.
func (o Options) Config(log *slog.Logger, reg prometheus.Registerer) retry.Config {
	return retry.Config{Policy: o.Policy, RecheckAfter: o.RecheckAfter, NotFoundGrace: o.NotFoundGrace, Logger: log, Metrics: reg}
}

// NewBot builds the retry worker's runner for the bot of bs: the consumer
// retry@<bot> (retry for the default bot) on WEBEX_CALLS takes the calls
// other workers stored for that bot, and makes them with its token under
// its pause (wo.Calls.MaxPause or the bot's own; wo.Calls.Outbox does not
// apply: the retry worker keeps its calls in their records). Nothing of
// the bot's is fetched while that pause lasts, so the other bots' calls go
// on. Runtime settings (concurrency, ack wait, handler timeout) come from
// wo; its delivery limit and redelivery backoff are the retry package's.
// ctx bounds the setup.
func NewBot(ctx context.Context, js jetstream.JetStream, bs workerkit.BotSetup, ro Options, wo workerkit.WorkerOptions, log *slog.Logger, reg prometheus.Registerer) (*workers.Runner, error) {
	calls := bs.Calls(wo.Calls)
	calls.Outbox = false
	api, err := workerkit.WebexCaller(ctx, js, bs.Client, events.RetryWorker, calls, log, reg)
	if err != nil {
		return nil, err
	}
	cfg := ro.Config(bs.Logger(log).With("worker", events.RetryWorker), reg)
	h, err := retry.NewHandler(api, outbox.NewStore(js), cfg)
	if err != nil {
		return nil, err
	}
	base := wo.Config(events.RetryWorker, nil, log, reg)
	base.Hold = api.HoldUntil // fetch nothing during the bot's pause or while Webex refuses its token
	base.Unready = api.Unready
	base.Bot = calls.Bot // RunnerConfig filters the bot's calls
	return workerkit.NewBotRunner(js, bs, retry.RunnerConfig(base, cfg), h)
}

// NewBots builds one retry runner per bot of setups (see NewBot).
func NewBots(ctx context.Context, js jetstream.JetStream, setups []workerkit.BotSetup, ro Options, wo workerkit.WorkerOptions, log *slog.Logger, reg prometheus.Registerer) ([]*workers.Runner, error) {
	runners := make([]*workers.Runner, 0, len(setups))
	for _, bs := range setups {
		r, err := NewBot(ctx, js, bs, ro, wo, log, reg)
		if err != nil {
			return nil, fmt.Errorf("bot %s: %w", events.BotOrDefault(bs.ID), err)
		}
		runners = append(runners, r)
	}
	return runners, nil
}
