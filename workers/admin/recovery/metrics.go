package recovery

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Label values of the metrics; every label has a fixed set.
const (
	resultComplete = "complete"
	resultCut      = "cut"

	capWindow   = "window"
	capRooms    = "rooms"
	capMessages = "messages"
)

type metrics struct {
	started       *prometheus.CounterVec // by cause
	finished      *prometheus.CounterVec // by result
	failures      prometheus.Counter
	recovered     prometheus.Counter
	cuts          *prometheus.CounterVec // by cap
	unrecoverable *prometheus.CounterVec // by resource
	pending       prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, causes []string) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		started: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_recovery_started_total",
			Help: "Recoveries of lost messages begun, by what ended the outage.",
		}, []string{"cause"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_recovery_finished_total",
			Help: "Recoveries finished: complete, or cut short by a cap (the rest is left to an operator).",
		}, []string{"result"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webexpipe_recovery_failures_total",
			Help: "Recovery runs that failed (Webex or NATS unreachable); the recovery is tried again next round.",
		}),
		recovered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webexpipe_recovery_messages_recovered_total",
			Help: "Lost messages whose event a recovery stored, for the workers to handle.",
		}),
		cuts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_recovery_cut_total",
			Help: "Recoveries a cap cut short, by cap (window, rooms, messages).",
		}, []string{"cap"}),
		unrecoverable: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_recovery_unrecoverable_total",
			Help: "Webhook outages whose events Webex cannot list again (card submissions, memberships), by resource.",
		}, []string{"resource"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "webexpipe_recovery_pending",
			Help: "Recoveries waiting or under way.",
		}),
	}
	for _, c := range []prometheus.Collector{m.started, m.finished, m.failures, m.recovered, m.cuts, m.unrecoverable, m.pending} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register recovery metrics: %w", err)
		}
	}
	for _, c := range causes {
		m.started.WithLabelValues(c)
	}
	for _, r := range []string{resultComplete, resultCut} {
		m.finished.WithLabelValues(r)
	}
	for _, c := range []string{capWindow, capRooms, capMessages} {
		m.cuts.WithLabelValues(c)
	}
	return m, nil
}
