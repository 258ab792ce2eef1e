package cards

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics count what became of submissions, beside the runtime's outcome
// counters. The action label only takes registered names, so a user cannot
// grow the series by submitting made-up actions.
type metrics struct {
	answered *prometheus.CounterVec // by registered action
	unknown  prometheus.Counter
	foreign  prometheus.Counter
}

// newMetrics registers the router's counters on reg (one Router per
// registerer); nil keeps them in a private registry.
func newMetrics(reg prometheus.Registerer, routes Routes) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		answered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_cards_submissions_total",
			Help: "Card submissions answered by their handler, by action.",
		}, []string{"action"}),
		unknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webexpipe_cards_unknown_actions_total",
			Help: "Card submissions whose action no handler is registered for; each got a polite reply.",
		}),
		foreign: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webexpipe_cards_foreign_submissions_total",
			Help: "Card submissions ignored because the card's message is not a card this bot sent.",
		}),
	}
	for _, c := range []prometheus.Collector{m.answered, m.unknown, m.foreign} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register cards metrics: %w", err)
		}
	}
	// Every registered action exists from the start, so rates see a 0.
	for name := range routes {
		m.answered.WithLabelValues(name)
	}
	return m, nil
}
