package workerkit

import (
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

// WebexRunner builds the runner of a worker type named name, for the
// default bot (see WebexBotRunner for any bot), that consumes
// evs and calls Webex through client: the handler from build gets a
// WebexCaller, and the runner fetches nothing while the bot token's shared
// pause lasts or Webex refuses the token (workers.Config.Hold), and the
// worker reports unready while the token is refused.
func WebexRunner(js jetstream.JetStream, client *webex.Client, name string, evs []events.ResourceEvent, wo WorkerOptions,
	log *slog.Logger, reg prometheus.Registerer, build NewHandler) (*workers.Runner, error) {
	return WebexBotRunner(js, BotSetup{Client: client}, name, evs, wo, log, reg, build)
}
