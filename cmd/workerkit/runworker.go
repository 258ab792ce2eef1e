package workerkit

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers"
)

// BuildRunners makes a worker binary's runners once NATS is connected;
// their metrics go to reg.
type BuildRunners func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error)

// RunWorker is what every worker binary does after parsing its settings:
// connect to NATS (name identifies the client), build the runners, serve
// /metrics, /healthz and /readyz on wo.MetricsAddr, run the runners until
// ctx ends, and shut down in order: runners drained, the ops server
// stopped, the NATS connection drained.
func RunWorker(ctx context.Context, name string, natsO process.NATSOptions, wo WorkerOptions, log *slog.Logger, build BuildRunners) error {
	nc, js, err := process.Connect(ctx, natsO, "webexpipe-"+name, log)
	if err != nil {
		return err
	}
	defer process.Drain(nc, log)
	reg := process.NewRegistry()
	runners, err := build(js, reg)
	if err != nil {
		return err
	}
	opsCtx, stopOps := context.WithCancel(ctx)
	var ops sync.WaitGroup
	defer ops.Wait()
	defer stopOps()
	stopDebug, err := wo.Debug.Start(log)
	if err != nil {
		return err
	}
	defer stopDebug()
	if wo.MetricsAddr != "" {
		ops.Add(1)
		go func() {
			defer ops.Done()
			ready := func() error {
				if nc.Status() != nats.CONNECTED {
					return errors.New("NATS not connected")
				}
				return nil
			}
			if err := process.ServeOps(opsCtx, wo.MetricsAddr, reg, ready, log); err != nil {
				log.Error("metrics server", "err", err)
			}
		}()
	}
	err = RunRunners(ctx, runners...)
	log.Info(name + " stopped")
	return err
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
