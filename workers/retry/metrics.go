package retry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/promreg"

	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// Results of a call, labelling webexpipe_retry_calls_finished_total.
const (
	resultSent       = "sent"        // Webex accepted a retried call
	resultFound      = "found"       // an earlier ambiguous attempt had worked: not resent
	resultDeadLetter = "dead_letter" // given up: permanent failure or time used up
)

type metrics struct {
	attempts *prometheus.CounterVec
	finished *prometheus.CounterVec
	waits    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_retry_attempts_total",
			Help: "Attempts of stored Webex calls by the retry worker, by the storing worker and outcome (ok, found, retryable, rate_limited, unknown, permanent).",
		}, []string{"worker", "outcome"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_retry_calls_finished_total",
			Help: "Stored Webex calls the retry worker is done with, by the storing worker and result (sent, found, dead_letter).",
		}, []string{"worker", "result"}),
		waits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webexpipe_retry_waits_total",
			Help: "Deliveries of stored calls put back until they are due or a rate-limit pause ends.",
		}),
	}
	// The retry runners of several bots share one registerer, and so
	// these counters.
	var err error
	if m.attempts, err = promreg.Register(reg, m.attempts, "retry metrics"); err != nil {
		return nil, err
	}
	if m.finished, err = promreg.Register(reg, m.finished, "retry metrics"); err != nil {
		return nil, err
	}
	if m.waits, err = promreg.Register(reg, m.waits, "retry metrics"); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *metrics) attempt(c *outbox.Call, o outbox.Outcome) {
	m.attempts.WithLabelValues(c.Worker, string(o)).Inc()
}

func (m *metrics) finish(c *outbox.Call, result string) {
	m.finished.WithLabelValues(c.Worker, result).Inc()
}
