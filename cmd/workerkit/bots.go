package workerkit

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// Registry is the bots the worker process serves: those of BOTS_FILE, or
// without it the one bot bots.DefaultBotID of the single-bot settings
// (WEBEX_TOKEN or WEBEX_TOKEN_FILE, WEBEX_MAX_PAUSE), so that a single-bot
// deployment runs as it always did. A worker reads no webhook secret, and
// one that does not call Webex no token either.
func (o WorkerOptions) Registry() (*bots.Registry, error) {
	bo := o.Bots
	bo.SkipSecrets = true
	bo.SkipTokens = !o.callsWebex
	single := o.Webex.Single()
	single.MaxPause = o.Calls.MaxPause
	return bo.Registry(single)
}

// HandlerPool is the handler slots the runners of one worker type share
// across the bots of the process: WORKER_CONCURRENCY is the process's
// bound, however many bots it serves (see workers.HandlerPool).
func (o WorkerOptions) HandlerPool() *workers.HandlerPool {
	return workers.NewHandlerPool(cmp.Or(o.Concurrency, workers.DefaultConcurrency))
}

// BotSetup is one bot a runner serves.
type BotSetup struct {
	// ID is the bot's id; "" means events.DefaultBot.
	ID string
	// Client calls Webex with the bot's token.
	Client *webex.Client
	// MaxPause, when set, replaces WEBEX_MAX_PAUSE for the bot's token.
	MaxPause time.Duration
	// Handlers is the pool the runner shares with the other bots' runners;
	// nil gives it WORKER_CONCURRENCY handlers of its own.
	Handlers *workers.HandlerPool
	// Concurrency is the most of the pool's handlers the bot may hold
	// (WORKER_BOT_CONCURRENCY); 0: all of them.
	Concurrency int
	// SkipDeadLetters leaves the worker type's dead-letter count out of
	// the runner's backlog metrics: the dead letters are the worker
	// type's, not one bot's, and one runner per worker type exports them.
	SkipDeadLetters bool
}

// BotSetups gives each bot of registry its Webex client, all of them one
// handler pool. The first bot's runner exports the worker type's dead
// letters.
func (o WorkerOptions) BotSetups(registry *bots.Registry) ([]BotSetup, error) {
	setups := o.botSetups(registry)
	for i, b := range registry.Bots() {
		client, err := o.Webex.ClientFor(b)
		if err != nil {
			return nil, err
		}
		setups[i].Client = client
	}
	return setups, nil
}

// botSetups is BotSetups without the Webex clients.
func (o WorkerOptions) botSetups(registry *bots.Registry) []BotSetup {
	pool, share := o.HandlerPool(), o.botShare(registry.Len())
	setups := make([]BotSetup, 0, registry.Len())
	for i, b := range registry.Bots() {
		setups = append(setups, BotSetup{ID: b.ID, MaxPause: b.MaxPause, Handlers: pool, Concurrency: share, SkipDeadLetters: i > 0})
	}
	return setups
}

// Calls is o for the bot's calls: its id, and its own pause clamp when
// it has one.
func (bs BotSetup) Calls(o CallOptions) CallOptions {
	o.Bot = events.BotOrDefault(bs.ID)
	if bs.MaxPause > 0 {
		o.MaxPause = bs.MaxPause
	}
	return o
}

// Logger is log with the bot, for any bot but the default one.
func (bs BotSetup) Logger(log *slog.Logger) *slog.Logger { return botLogger(log, bs.ID) }

// botLogger is log with the bot, for any bot but the default one.
func botLogger(log *slog.Logger, bot string) *slog.Logger {
	if bot = events.BotOrDefault(bot); bot != events.DefaultBot {
		return log.With("bot", bot)
	}
	return log
}

// WebexBotRunner builds the runner of worker type name for one bot: its
// own Webex caller (the bot's token, its own people/me for the loop guard,
// its token's pause, and a Hold so that nothing of the bot's is fetched
// while that pause lasts), its own handler from build, its own consumers
// (<name>@<bot>), and the handler pool it shares with the other bots.
func WebexBotRunner(js jetstream.JetStream, bs BotSetup, name string, evs []events.ResourceEvent, wo WorkerOptions,
	log *slog.Logger, reg prometheus.Registerer, build NewHandler) (*workers.Runner, error) {
	api, err := WebexCaller(context.Background(), js, bs.Client, name, bs.Calls(wo.Calls), log, reg)
	if err != nil {
		return nil, err
	}
	h, err := build(api, bs.Logger(log).With("worker", name), reg)
	if err != nil {
		return nil, err
	}
	cfg := wo.Config(name, evs, log, reg)
	cfg.Hold = api.HoldUntil // fetch nothing during the bot's pause or while Webex refuses its token
	cfg.Unready = api.Unready
	return NewBotRunner(js, bs, cfg, h)
}

// WebexRunners builds one runner of worker type name per bot of setups
// (see WebexBotRunner).
func WebexRunners(js jetstream.JetStream, setups []BotSetup, name string, evs []events.ResourceEvent, wo WorkerOptions,
	log *slog.Logger, reg prometheus.Registerer, build NewHandler) ([]*workers.Runner, error) {
	runners := make([]*workers.Runner, 0, len(setups))
	for _, bs := range setups {
		r, err := WebexBotRunner(js, bs, name, evs, wo, log, reg, build)
		if err != nil {
			return nil, fmt.Errorf("bot %s: %w", events.BotOrDefault(bs.ID), err)
		}
		runners = append(runners, r)
	}
	return runners, nil
}

// Runners builds one runner of worker type name per bot of registry for a
// worker that does not call Webex: each with a handler of its own from
// build, all sharing one handler pool.
func Runners(js jetstream.JetStream, registry *bots.Registry, name string, evs []events.ResourceEvent, wo WorkerOptions,
	log *slog.Logger, reg prometheus.Registerer, build func(bot string, log *slog.Logger) (workers.Handler, error)) ([]*workers.Runner, error) {
	setups := wo.botSetups(registry)
	runners := make([]*workers.Runner, 0, len(setups))
	for _, bs := range setups {
		h, err := build(bs.ID, bs.Logger(log))
		if err != nil {
			return nil, fmt.Errorf("bot %s: %w", bs.ID, err)
		}
		r, err := NewBotRunner(js, bs, wo.Config(name, evs, log, reg), h)
		if err != nil {
			return nil, fmt.Errorf("bot %s: %w", bs.ID, err)
		}
		runners = append(runners, r)
	}
	return runners, nil
}
