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

// Handler builds the echo handler with api, the worker's Webex caller.
func (o *Options) Handler(api *webexcall.Client, log *slog.Logger, reg prometheus.Registerer) (workers.Handler, error) {
	log.Info("echo settings", "mode", o.Mode, "recheck_after", o.RecheckAfter)
	return echo.New(api, echo.Config{
		Mode: echo.Mode(o.Mode), RecheckAfter: o.RecheckAfter, Identity: api.Identity(), Logger: log, Metrics: reg,
	})
}

// Bot is the echo-worker binary: the echo worker type with o's settings.
func (o *Options) Bot() workerkit.Bot {
	return workerkit.Bot{
		Binary: "echo-worker", Short: "Answer Webex messages stored in JetStream", MetricsAddr: ":9091",
		Worker: echo.Name, Events: echo.Events, Flags: o.AddFlags,
		// A method value on the pointer: the settings are read when the
		// handler is built, after the flags are parsed.
		Handler: o.Handler,
	}
}

// NewBots builds the echo worker's runners, one per bot of setups (dev
// mode runs them beside the others). Each bot's Webex calls go through its
// own workerkit.WebexCaller: its token's pause and, per wo.Calls, the
// retry worker.
func NewBots(js jetstream.JetStream, setups []workerkit.BotSetup, eo Options, wo workerkit.WorkerOptions, log *slog.Logger, reg prometheus.Registerer) ([]*workers.Runner, error) {
	return workerkit.WebexRunners(js, setups, echo.Name, echo.Events, wo, log, reg, eo.Handler)
}
