package echoworker

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// Options configure the echo worker.
type Options struct {
	Mode         string
	RecheckAfter time.Duration
}

// AddFlags registers the echo worker's settings.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Mode, "echo-mode", string(echo.ModeBoth), "what the echo reply shows: text, webhook or both")
	fs.DurationVar(&o.RecheckAfter, "echo-recheck-after", 10*time.Second, "after a reply whose outcome is unknown, wait this long before looking for it and sending again")
}

// New builds the echo worker's runner. Its Webex calls go through
// WebexCaller: the shared pause and, per wo.Calls, the retry worker.
func New(js jetstream.JetStream, client *webex.Client, eo Options, wo workerkit.WorkerOptions, log *slog.Logger, reg prometheus.Registerer) (*workers.Runner, error) {
	return workerkit.WebexRunner(js, client, echo.Name, echo.Events, wo, log, reg,
		func(api *webexcall.Client, log *slog.Logger, reg prometheus.Registerer) (workers.Handler, error) {
			return echo.New(api, echo.Config{
				Mode: echo.Mode(eo.Mode), RecheckAfter: eo.RecheckAfter, Identity: api.Identity(), Logger: log, Metrics: reg,
			})
		})
}
