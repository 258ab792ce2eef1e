package workerkit

import (
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/backlog"
)

// NewRunner is workers.New plus the worker type's backlog on cfg.Metrics
// (webexpipe_worker_backlog_* and webexpipe_worker_dead_letters, read from
// JetStream at each scrape; see package backlog). Worker binaries build
// their runners with it, so each exports its own backlog.
func NewRunner(js jetstream.JetStream, cfg workers.Config, h workers.Handler) (*workers.Runner, error) {
	r, err := workers.New(js, cfg, h)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics != nil {
		c := backlog.NewCollector(js, backlog.SourceOf(cfg), backlog.Options{Logger: cfg.Logger})
		if err := cfg.Metrics.Register(c); err != nil {
			return nil, fmt.Errorf("worker %s: register its backlog metrics: %w", cfg.Name, err)
		}
	}
	return r, nil
}
