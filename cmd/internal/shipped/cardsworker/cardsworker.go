package cardsworker

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// Options configure the cards worker.
type Options struct {
	RecheckAfter time.Duration
}

// AddFlags registers the cards worker's settings.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.RecheckAfter, "cards-recheck-after", cards.DefaultRecheckAfter,
		"after a card reply whose outcome is unknown, wait this long before looking for it in the thread and sending again")
}

// Handler builds the cards handler with api, the worker's Webex caller,
// answering the card actions registered in cards.DefaultRoutes.
func (o *Options) Handler(api *webexcall.Client, log *slog.Logger, reg prometheus.Registerer) (workers.Handler, error) {
	routes := cards.DefaultRoutes()
	log.Info("cards settings", "actions", len(routes), "recheck_after", o.RecheckAfter)
	return cards.New(api, cards.Config{
		Routes:       routes,
		RecheckAfter: o.RecheckAfter,
		Identity:     api.Identity(),
		Logger:       log,
		Metrics:      reg,
	})
}

// Bot is the cards-worker binary: the cards worker type with o's settings.
func (o *Options) Bot() workerkit.Bot {
	return workerkit.Bot{
		Binary: "cards-worker", Short: "Answer Webex card submissions stored in JetStream", MetricsAddr: ":9092",
		Worker: cards.Name, Events: cards.Events, Flags: o.AddFlags,
		// A method value on the pointer: the settings are read when the
		// handler is built, after the flags are parsed.
		Handler: o.Handler,
	}
}

// NewBots builds the cards worker's runners, one per bot of setups (dev
// mode runs them beside the others). Each bot's Webex calls go through its
// own workerkit.WebexCaller (its token's pause and, per wo.Calls, the retry
// worker), and the metrics go to reg beside the runtime's.
func NewBots(js jetstream.JetStream, setups []workerkit.BotSetup, co Options, wo workerkit.WorkerOptions, log *slog.Logger, reg prometheus.Registerer) ([]*workers.Runner, error) {
	return workerkit.WebexRunners(js, setups, cards.Name, cards.Events, wo, log, reg, co.Handler)
}
