// Package metricstest reads Prometheus series in tests.
package metricstest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Lookup sums the series of metric name in g whose labels include every
// pair of labels (nil: every series): a counter's or gauge's value, a
// histogram's sample count. found is false when no series matches.
func Lookup(tb testing.TB, g prometheus.Gatherer, name string, labels map[string]string) (sum float64, found bool) {
	tb.Helper()
	for _, m := range series(tb, g, name) {
		if !matches(m, labels) {
			continue
		}
		found = true
		sum += value(m)
	}
	return sum, found
}

// value is a counter's or gauge's value, a histogram's sample count.
func value(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetHistogram() != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return 0
}

// Value is Lookup's sum, 0 when no series matches.
func Value(tb testing.TB, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	tb.Helper()
	v, _ := Lookup(tb, g, name, labels)
	return v
}

// Exists reports whether a series of name with labels exists, zero or not.
func Exists(tb testing.TB, g prometheus.Gatherer, name string, labels map[string]string) bool {
	tb.Helper()
	_, ok := Lookup(tb, g, name, labels)
	return ok
}

// ByLabel maps each value of label to the value of its series of name.
func ByLabel(tb testing.TB, g prometheus.Gatherer, name, label string) map[string]float64 {
	tb.Helper()
	out := map[string]float64{}
	for _, m := range series(tb, g, name) {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				out[lp.GetValue()] += value(m)
			}
		}
	}
	return out
}

func series(tb testing.TB, g prometheus.Gatherer, name string) []*dto.Metric {
	tb.Helper()
	families, err := g.Gather()
	if err != nil {
		tb.Fatalf("gather metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()
		}
	}
	return nil
}

func matches(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if want, ok := labels[lp.GetName()]; ok {
			if want != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(labels)
}
