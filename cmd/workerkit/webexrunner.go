package workerkit

import (
	"context"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// NewHandler builds a worker type's handler around api, the Webex caller
// with the shared pause and (per CallOptions.Outbox) the retry worker's
// outbox. Handlers register their own metrics on reg.
type NewHandler func(api *webexcall.Client, log *slog.Logger, reg prometheus.Registerer) (workers.Handler, error)

// WebexRunner builds the runner of a worker type named name that consumes
// evs and calls Webex through client: the handler from build gets a
// WebexCaller, and the runner fetches nothing while the bot token's shared
// pause lasts or Webex refuses the token (workers.Config.Hold), and the
// worker reports unready while the token is refused.
func WebexRunner(js jetstream.JetStream, client *webex.Client, name string, evs []events.ResourceEvent, wo WorkerOptions,
	log *slog.Logger, reg prometheus.Registerer, build NewHandler) (*workers.Runner, error) {
	api, err := WebexCaller(context.Background(), js, client, name, wo.Calls, log, reg)
	if err != nil {
		return nil, err
	}
	h, err := build(api, log.With("worker", name), reg)
	if err != nil {
		return nil, err
	}
	cfg := wo.Config(name, evs, log, reg)
	cfg.Hold = api.HoldUntil // fetch nothing during the shared pause or while Webex refuses the token
	cfg.Unready = api.Unready
	return NewRunner(js, cfg, h)
}
