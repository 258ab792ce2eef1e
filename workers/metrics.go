package workers

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/webexpipe/webexpipe/internal/promreg"
)

// outcome is what became of one delivery; it labels the handled counter.
type outcome string

const (
	outcomeOK         outcome = "ok"          // handler succeeded, acked
	outcomeIgnored    outcome = "ignored"     // Ignore, acked
	outcomeDeferred   outcome = "deferred"    // work handed over (Deferred), acked
	outcomeDuplicate  outcome = "duplicate"   // marker found, acked
	outcomeRetry      outcome = "retry"       // nak'd with a delay
	outcomeDeadLetter outcome = "dead_letter" // copied to the DLQ, terminated
	outcomeDLQFailed  outcome = "dlq_failed"  // DLQ copy failed, nak'd
	outcomeRequeued   outcome = "requeued"    // waited through MaxDeliver: copied to its replay subject, terminated
)

func allOutcomes() []outcome {
	return []outcome{outcomeOK, outcomeIgnored, outcomeDeferred, outcomeDuplicate, outcomeRetry, outcomeDeadLetter, outcomeDLQFailed, outcomeRequeued}
}

// metrics are the runner's collectors, shared by every runner registered on
// the same registerer and told apart by the worker label.
type metrics struct {
	handled        *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	inFlight       *prometheus.GaugeVec
	markerFailures *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_worker_handled_total",
			Help: "Deliveries settled, by worker type, bot and outcome (ok, ignored, deferred, duplicate, retry, dead_letter, dlq_failed, requeued).",
		}, []string{"worker", "bot", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "webexpipe_worker_handle_duration_seconds",
			Help:    "Time spent in one Handle call, middleware included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"worker", "bot"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "webexpipe_worker_in_flight",
			Help: "Events being handled right now in this process.",
		}, []string{"worker", "bot"}),
		markerFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_worker_marker_write_failures_total",
			Help: "Idempotency markers that could not be written after a successful handler.",
		}, []string{"worker", "bot"}),
	}
	var err error
	if m.handled, err = register(reg, m.handled); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.inFlight, err = register(reg, m.inFlight); err != nil {
		return nil, err
	}
	if m.markerFailures, err = register(reg, m.markerFailures); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// the same description, so that several runners can share a registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	return promreg.Register(reg, c, "worker metrics")
}

// workerMetrics are the series of one worker type and bot. The bot label
// takes the ids of the deployment's bot registry only, so its values are
// as few as the bots.
type workerMetrics struct {
	handled        map[outcome]prometheus.Counter
	duration       prometheus.Observer
	inFlight       prometheus.Gauge
	markerFailures prometheus.Counter
}

func (m *metrics) forWorker(name, bot string) *workerMetrics {
	w := &workerMetrics{
		handled:        make(map[outcome]prometheus.Counter, len(allOutcomes())),
		duration:       m.duration.WithLabelValues(name, bot),
		inFlight:       m.inFlight.WithLabelValues(name, bot),
		markerFailures: m.markerFailures.WithLabelValues(name, bot),
	}
	// Every outcome exists from the start, so rates and alerts see a 0.
	for _, o := range allOutcomes() {
		w.handled[o] = m.handled.WithLabelValues(name, bot, string(o))
	}
	return w
}
