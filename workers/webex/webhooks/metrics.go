package webhooks

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
)

// watchMetrics are the watchdog's view of webhook health.
type watchMetrics struct {
	active        *prometheus.GaugeVec   // per managed webhook: 1 active, 0 not
	disabledSecs  *prometheus.GaugeVec   // per managed webhook: time since first seen disabled
	reactivations *prometheus.CounterVec // per resource/event
	missing       *prometheus.GaugeVec   // per wanted resource/event: 1 not delivered, 0 delivered
	checks        *prometheus.CounterVec // per result
	lastCheck     prometheus.Gauge       // time of the last successful round
}

func newWatchMetrics(reg prometheus.Registerer) (*watchMetrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	hook := []string{"name", "resource", "event"}
	m := &watchMetrics{
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "webexpipe_webhook_active",
			Help: "1 when the managed Webex webhook is active, 0 when Webex disabled it.",
		}, hook),
		disabledSecs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "webexpipe_webhook_disabled_seconds",
			Help: "Seconds since the managed webhook was first seen disabled; 0 while active.",
		}, hook),
		reactivations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_webhook_reactivations_total",
			Help: "Disabled webhooks re-activated by the watchdog.",
		}, []string{"resource", "event"}),
		missing: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "webexpipe_webhook_missing",
			Help: "1 when no active Webex webhook (managed or not) delivers this wanted resource/event, 0 when one does.",
		}, []string{"resource", "event"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_webhook_checks_total",
			Help: "Watchdog rounds, by result (ok, error).",
		}, []string{"result"}),
		lastCheck: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "webexpipe_webhook_last_check_timestamp_seconds",
			Help: "Unix time of the watchdog's last successful round.",
		}),
	}
	for _, c := range []prometheus.Collector{m.active, m.disabledSecs, m.reactivations, m.missing, m.checks, m.lastCheck} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("webhook metrics registered twice: run one watchdog per registry: %w", err)
			}
			return nil, fmt.Errorf("register webhook metrics: %w", err)
		}
	}
	m.checks.WithLabelValues("ok")
	m.checks.WithLabelValues("error")
	return m, nil
}

// observe records one round. The per-webhook series are rebuilt, so a
// deleted webhook's series go away.
func (m *watchMetrics) observe(rep *Report, err error, now time.Time) {
	if err != nil {
		m.checks.WithLabelValues("error").Inc()
	} else {
		m.checks.WithLabelValues("ok").Inc()
		m.lastCheck.Set(float64(now.Unix()))
	}
	if rep == nil {
		return
	}
	m.active.Reset()
	m.disabledSecs.Reset()
	for _, a := range rep.Actions {
		if a.Kind == KindDeleted {
			continue
		}
		up, down := 0.0, 0.0
		if a.Status == "active" {
			up = 1
		} else if !a.Since.IsZero() {
			down = now.Sub(a.Since).Seconds()
		}
		m.active.WithLabelValues(a.Name, a.Resource, a.Event).Set(up)
		m.disabledSecs.WithLabelValues(a.Name, a.Resource, a.Event).Set(down)
		if a.Kind == KindReactivated {
			m.reactivations.WithLabelValues(a.Resource, a.Event).Inc()
		}
	}
}

// observeMissing sets webexpipe_webhook_missing for every wanted pair.
func (m *watchMetrics) observeMissing(want []events.ResourceEvent, gaps []Gap) {
	for _, re := range want {
		m.missing.WithLabelValues(re.Resource, re.Event).Set(0)
	}
	for _, g := range gaps {
		m.missing.WithLabelValues(g.Resource, g.Event).Set(1)
	}
}
