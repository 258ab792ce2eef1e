package workers

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/metricstest"
)

func TestMetricsShareARegistry(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	reg := prometheus.NewRegistry()
	h := HandlerFunc(func(context.Context, *Event) error { return nil })
	for _, name := range []string{"echo", "cards", "echo"} {
		cfg, _ := testConfig(t, name)
		cfg.Metrics = reg
		if _, err := New(env.js, cfg, h); err != nil {
			t.Fatalf("New(%s) on a shared registry: %v", name, err)
		}
	}
	for _, name := range []string{"echo", "cards"} {
		for _, o := range allOutcomes() {
			// Present at zero before any event.
			if !metricstest.Exists(t, reg, "webexpipe_worker_handled_total", map[string]string{"worker": name, "outcome": string(o)}) {
				t.Errorf("no %s/%s series", name, o)
			}
		}
	}
}

func TestMetricsRecorded(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "metrics"
	cfg, reg := testConfig(t, name)
	env.publishEvent(t, "m-1")
	env.publishEvent(t, "m-2")
	startRunner(t, env.js, cfg, &recorder{})
	eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, outcomeOK) == 2 }, "events not handled")
	labels := map[string]string{"worker": name}
	if got := metricstest.Value(t, reg, "webexpipe_worker_handle_duration_seconds", labels); got != 2 {
		t.Errorf("duration samples = %v, want 2", got)
	}
	if got := metricstest.Value(t, reg, "webexpipe_worker_in_flight", labels); got != 0 {
		t.Errorf("in flight = %v, want 0", got)
	}
	if !metricstest.Exists(t, reg, "webexpipe_worker_marker_write_failures_total", labels) {
		t.Error("no marker write failure series")
	}
}
