package cards

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/promreg"
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
// registerer, or shared by several); nil keeps them in a private registry.
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
	// The handlers of several bots share one registerer, and so these
	// counters.
	var err error
	if m.answered, err = promreg.Register(reg, m.answered, "cards metrics"); err != nil {
		return nil, err
	}
	if m.unknown, err = promreg.Register(reg, m.unknown, "cards metrics"); err != nil {
		return nil, err
	}
	if m.foreign, err = promreg.Register(reg, m.foreign, "cards metrics"); err != nil {
		return nil, err
	}
	// Every registered action exists from the start, so rates see a 0.
	for name := range routes {
		m.answered.WithLabelValues(name)
	}
	return m, nil
}
