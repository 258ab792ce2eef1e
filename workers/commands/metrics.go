package commands

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/webexpipe/webexpipe/internal/promreg"
)

// metrics count answered messages by command, beside the runtime's outcome
// counters. The command label takes only registered names and the fixed
// labels of route, so a user cannot grow the series by writing made-up
// words.
type metrics struct {
	handled *prometheus.CounterVec // by worker, command
}

// newMetrics registers the router's counter on reg; several routers (of
// different workers) may share one registerer. nil keeps it private.
func newMetrics(reg prometheus.Registerer, worker string, names []string) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_commands_total",
		Help: "Messages a command router answered, by worker and command (help, default or unknown for the built-in routes).",
	}, []string{"worker", "command"})
	vec, err := promreg.Register(reg, vec, "command metrics")
	if err != nil {
		return nil, err
	}
	m := &metrics{handled: vec.MustCurryWith(prometheus.Labels{"worker": worker})}
	// Every route exists from the start, so rates see a 0.
	for _, n := range append(names, HelpCommand, "default", "unknown") {
		m.handled.WithLabelValues(n)
	}
	return m, nil
}
