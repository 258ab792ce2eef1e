package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// CardsOptions configure the cards worker.
type CardsOptions struct {
	RecheckAfter time.Duration
}

// AddFlags registers the cards worker's settings.
func (o *CardsOptions) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.RecheckAfter, "cards-recheck-after", cards.DefaultRecheckAfter,
		"after a card reply whose outcome is unknown, wait this long before looking for it in the thread and sending again")
}

// NewCards builds the cards worker's runner, answering the card actions
// registered in cards.DefaultRoutes. Its Webex calls go through
// WebexCaller (the shared pause and, per wo.Calls, the retry worker), and
// its metrics go to reg beside the runtime's.
func NewCards(js jetstream.JetStream, client *webex.Client, co CardsOptions, wo WorkerOptions, log *slog.Logger, reg prometheus.Registerer) (*workers.Runner, error) {
	api, err := WebexCaller(context.Background(), js, client, cards.Name, wo.Calls, log, reg)
	if err != nil {
		return nil, err
	}
	router, err := cards.New(api, cards.Config{
		Routes:       cards.DefaultRoutes(),
		RecheckAfter: co.RecheckAfter,
		Logger:       log.With("worker", cards.Name),
		Metrics:      reg,
	})
	if err != nil {
		return nil, err
	}
	cfg := wo.Config(cards.Name, cards.Events, log, reg)
	cfg.Hold = api.HoldUntil // fetch nothing during the shared pause or while Webex refuses the token
	cfg.Unready = api.Unready
	return workers.New(js, cfg, router)
}
