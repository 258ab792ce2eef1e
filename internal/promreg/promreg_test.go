package promreg

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterSharesTheFirstCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "webexpipe_test_total", Help: "a test counter"}
	first, err := Register(reg, prometheus.NewCounter(opts), "test metrics")
	if err != nil {
		t.Fatal(err)
	}
	second, err := Register(reg, prometheus.NewCounter(opts), "test metrics")
	if err != nil || second != first {
		t.Fatalf("second registration = %v, %v; want the first collector", second, err)
	}
	// Same name, other help: a conflict, not a share.
	if _, err := Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "webexpipe_test_total", Help: "other"}), "test metrics"); err == nil {
		t.Error("a conflicting collector was accepted")
	}
}
