package metricstest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestReadSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c_total", Help: "c"}, []string{"worker", "outcome"})
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "g", Help: "g"})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h"})
	reg.MustRegister(c, g, h)
	c.WithLabelValues("echo", "ok").Add(2)
	c.WithLabelValues("echo", "retry").Add(3)
	c.WithLabelValues("cards", "ok").Add(5)
	c.WithLabelValues("cards", "retry") // exists, zero
	g.Set(7)
	h.Observe(1)
	h.Observe(2)

	for _, tt := range []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
		found  bool
	}{
		{"one series", "c_total", map[string]string{"worker": "echo", "outcome": "ok"}, 2, true},
		{"summed over the rest", "c_total", map[string]string{"worker": "echo"}, 5, true},
		{"all series", "c_total", nil, 10, true},
		{"zero but there", "c_total", map[string]string{"worker": "cards", "outcome": "retry"}, 0, true},
		{"no such label value", "c_total", map[string]string{"worker": "retry"}, 0, false},
		{"no such label", "c_total", map[string]string{"room": "x"}, 0, false},
		{"gauge", "g", nil, 7, true},
		{"histogram count", "h", nil, 2, true},
		{"no such metric", "nope", nil, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, found := Lookup(t, reg, tt.metric, tt.labels)
			if got != tt.want || found != tt.found {
				t.Errorf("Lookup = %v, %v; want %v, %v", got, found, tt.want, tt.found)
			}
			if Value(t, reg, tt.metric, tt.labels) != tt.want || Exists(t, reg, tt.metric, tt.labels) != tt.found {
				t.Error("Value or Exists disagree with Lookup")
			}
		})
	}
	if got := ByLabel(t, reg, "c_total", "outcome"); got["ok"] != 7 || got["retry"] != 3 || len(got) != 2 {
		t.Errorf("ByLabel = %v", got)
	}
}
