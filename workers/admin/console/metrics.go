package console

import "github.com/prometheus/client_golang/prometheus"

// metrics count the console's answers.
type metrics struct {
	requests *prometheus.CounterVec // by outcome
	refused  *prometheus.CounterVec // by reason
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_console_requests_total",
			Help: "Requests the operations view answered, by outcome (page, dead_letter, redriven, not_found, error).",
		}, []string{"outcome"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_console_refused_total",
			Help: "Requests the operations view refused, by reason (unauthorized, read_only, cross_origin, bad_request).",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.refused)
	}
	return m
}
