package workerkit

import (
	"context"
	"errors"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers"
)

// BuildRunners makes a worker binary's runners once NATS is connected;
// their metrics go to reg.
type BuildRunners func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error)

// ErrNATSDown is the readiness error while the NATS connection is not up.
var ErrNATSDown = errors.New("NATS not connected")

// RunWorker is what every worker binary does after parsing its settings:
// connect to NATS (name identifies the client), build the runners, serve
// /metrics, /healthz and /readyz on wo.MetricsAddr, run the runners until
// ctx ends, and shut down in order: runners drained, the ops server
// stopped, the NATS connection drained.
//
// /readyz is 503 while NATS is down, before the runners' consumers exist,
// and while a runner reports itself unready (workers.Runner.Unready: Webex
// refusing the bot token). An ops address that cannot be listened on is
// an error before anything runs, and the ops server failing later stops
// the runners: a worker without its probes and metrics must not run on
// unseen.
func RunWorker(ctx context.Context, name string, natsO process.NATSOptions, wo WorkerOptions, log *slog.Logger, build BuildRunners) error {
	nc, js, err := process.Connect(ctx, natsO, "webexpipe-"+name, log)
	if err != nil {
		return err
	}
	defer process.Drain(nc, log)
	if !natsO.SkipEventStreams {
		// A worker started with another EVENTS_SHARDS or partitions than
		// the deployment's would read only part of the events, or wait on
		// streams no event reaches.
		if err := app.CheckShards(ctx, js, wo.Sharding()); err != nil {
			return err
		}
	}
	reg := process.NewRegistry()
	if err := process.RegisterNATSConnected(reg, nc); err != nil {
		return err
	}
	runners, err := build(js, reg)
	if err != nil {
		return err
	}
	stopDebug, err := wo.Debug.Start(log)
	if err != nil {
		return err
	}
	defer stopDebug()
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	if wo.MetricsAddr != "" {
		ops, err := process.StartOps(wo.MetricsAddr, reg, workerReady(nc, runners), log)
		if err != nil {
			return err
		}
		defer ops.Close()
		go func() {
			select {
			case <-ops.Done():
				if err := ops.Err(); err != nil {
					log.Error("ops server stopped; stopping the worker", "err", err)
					stop(err)
				}
			case <-runCtx.Done():
			}
		}()
	}
	err = RunRunners(runCtx, runners...)
	log.Info(name + " stopped")
	if cause := context.Cause(runCtx); err == nil && cause != nil && ctx.Err() == nil {
		return cause
	}
	return err
}

// workerReady is a worker binary's readiness: NATS connected and every
// runner ready.
func workerReady(nc *nats.Conn, runners []*workers.Runner) func() error {
	return func() error {
		if nc.Status() != nats.CONNECTED {
			return ErrNATSDown
		}
		for _, r := range runners {
			if err := r.Unready(); err != nil {
				return err
			}
		}
		return nil
	}
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
