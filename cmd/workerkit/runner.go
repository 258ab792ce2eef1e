package workerkit

import (
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/backlog"
)

// NewRunner is workers.New plus the worker type's backlog on cfg.Metrics
// (webexpipe_worker_backlog_* and webexpipe_worker_dead_letters, read from
// JetStream at each scrape; see package backlog). Worker binaries build
// their runners with it, so each exports its own backlog.
func NewRunner(js jetstream.JetStream, cfg workers.Config, h workers.Handler) (*workers.Runner, error) {
	return newRunner(js, cfg, h, false)
}

// newRunner is NewRunner; skipDeadLetters leaves the worker type's dead
// letters to another of its runners (one per bot) to export.
func newRunner(js jetstream.JetStream, cfg workers.Config, h workers.Handler, skipDeadLetters bool) (*workers.Runner, error) {
	r, err := workers.New(js, cfg, h)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics != nil {
		src := backlog.SourceOf(cfg)
		src.SkipDeadLetters = skipDeadLetters
		c := backlog.NewCollector(js, src, backlog.Options{Logger: cfg.Logger})
		if err := cfg.Metrics.Register(c); err != nil {
			return nil, fmt.Errorf("worker %s: register its backlog metrics: %w", cfg.Name, err)
		}
	}
	return r, nil
}

// NewBotRunner is NewRunner for the bot of bs: cfg's Bot, Handlers and
// (when set) Concurrency are bs's, and the worker type's dead letters are
// exported by the runner of the bot without bs.SkipDeadLetters alone.
func NewBotRunner(js jetstream.JetStream, bs BotSetup, cfg workers.Config, h workers.Handler) (*workers.Runner, error) {
	cfg.Bot = events.BotOrDefault(bs.ID)
	cfg.Handlers = bs.Handlers
	if bs.Concurrency > 0 {
		cfg.Concurrency = bs.Concurrency
	}
	return newRunner(js, cfg, h, bs.SkipDeadLetters)
}
