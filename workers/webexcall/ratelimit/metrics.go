package ratelimit

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/webexpipe/webexpipe/internal/promreg"
)

// metrics are a gate's collectors, shared by every gate registered on the
// same registerer and told apart by the worker and bot labels.
type metrics struct {
	pauses      prometheus.Counter
	pauseAdded  prometheus.Counter
	held        prometheus.Counter
	heldSeconds prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, worker, bot string) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	pauses := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_webex_pauses_total",
		Help: "Pauses of the bot token this process started or extended after a 429 or 423.",
	}, []string{"worker", "bot"})
	added := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_webex_pause_seconds_total",
		Help: "Seconds of pause this process added to the bot token's pause.",
	}, []string{"worker", "bot"})
	held := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_webex_paused_calls_total",
		Help: "Webex calls not sent because the bot token was paused (their event or call is delayed instead).",
	}, []string{"worker", "bot"})
	heldSeconds := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_webex_paused_wait_seconds_total",
		Help: "Sum of the waits imposed on calls held back by a pause.",
	}, []string{"worker", "bot"})
	var err error
	for _, c := range []**prometheus.CounterVec{&pauses, &added, &held, &heldSeconds} {
		if *c, err = register(reg, *c); err != nil {
			return nil, err
		}
	}
	return &metrics{
		pauses:      pauses.WithLabelValues(worker, bot),
		pauseAdded:  added.WithLabelValues(worker, bot),
		held:        held.WithLabelValues(worker, bot),
		heldSeconds: heldSeconds.WithLabelValues(worker, bot),
	}, nil
}

// register registers c, or returns the collector already registered under
// the same description, so that several gates can share a registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	return promreg.Register(reg, c, "rate-limit metrics")
}
