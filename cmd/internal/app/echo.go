package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// EchoOptions configure the echo worker.
type EchoOptions struct {
	Mode         string
	RecheckAfter time.Duration
}

// AddFlags registers the echo worker's settings.
func (o *EchoOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Mode, "echo-mode", string(echo.ModeBoth), "what the echo reply shows: text, webhook or both")
	fs.DurationVar(&o.RecheckAfter, "echo-recheck-after", 10*time.Second, "after a reply whose outcome is unknown, wait this long before looking for it and sending again")
}

// NewEcho builds the echo worker's runner. Its Webex calls go through
// WebexCaller: the shared pause and, per wo.Calls, the retry worker.
func NewEcho(js jetstream.JetStream, client *webex.Client, eo EchoOptions, wo WorkerOptions, log *slog.Logger, reg prometheus.Registerer) (*workers.Runner, error) {
	api, err := WebexCaller(context.Background(), js, client, echo.Name, wo.Calls, log, reg)
	if err != nil {
		return nil, err
	}
	h, err := echo.New(api, echo.Config{Mode: echo.Mode(eo.Mode), RecheckAfter: eo.RecheckAfter, Logger: log.With("worker", echo.Name)})
	if err != nil {
		return nil, err
	}
	cfg := wo.Config(echo.Name, echo.Events, log, reg)
	cfg.Hold = api.HoldUntil // fetch nothing during the shared pause or while Webex refuses the token
	cfg.Unready = api.Unready
	return workers.New(js, cfg, h)
}

// RunRunners runs worker runners until ctx ends and all of them have drained.
// The first error stops the others.
func RunRunners(ctx context.Context, runners ...*workers.Runner) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(runners))
	for _, r := range runners {
		go func() { errc <- r.Run(ctx) }()
	}
	var first error
	for range runners {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}
