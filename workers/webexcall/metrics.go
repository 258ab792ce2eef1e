package webexcall

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/promreg"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// metrics are a client's collectors, shared by every client registered on
// the same registerer and told apart by the worker and bot labels.
type metrics struct {
	worker   string
	bot      string
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	stored   prometheus.Counter
	// unverified counts resends that may have doubled a message.
	unverified prometheus.Counter
	// replyLatency is from a user's message (or card submission) to the
	// bot's reply to it.
	replyLatency prometheus.Observer
}

func newMetrics(reg prometheus.Registerer, worker, bot string) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_webex_calls_total",
		Help: "Webex API calls by worker, method, path template and status (an HTTP status, " +
			"\"transport\" when no answer came, \"paused\" when held back by a rate-limit pause, \"invalid\" when refused before sending).",
	}, []string{"worker", "bot", "method", "path", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "webexpipe_webex_call_duration_seconds",
		Help:    "Time of Webex API calls that were sent, by worker, method and path template.",
		Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"worker", "bot", "method", "path"})
	stored := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_webex_calls_stored_total",
		Help: "Failed Webex writes stored on WEBEX_CALLS for the retry worker.",
	}, []string{"worker", "bot"})
	unverified := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_webex_resends_unverified_total",
		Help: "POST /messages sent again after an attempt whose outcome was unknown, with nothing to show the first had not posted: each may be a duplicate.",
	}, []string{"worker", "bot"})
	replyLatency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "webexpipe_reply_latency_seconds",
		Help: "From the data.created of the event a reply answers (a user's message or card submission) to the bot's reply " +
			"posted by SendReply, both as Webex stamped them.",
		Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600},
	}, []string{"worker", "bot"})
	var err error
	if unverified, err = register(reg, unverified); err != nil {
		return nil, err
	}
	if replyLatency, err = register(reg, replyLatency); err != nil {
		return nil, err
	}
	if calls, err = register(reg, calls); err != nil {
		return nil, err
	}
	if duration, err = register(reg, duration); err != nil {
		return nil, err
	}
	if stored, err = register(reg, stored); err != nil {
		return nil, err
	}
	return &metrics{worker: worker, bot: bot, calls: calls, duration: duration, stored: stored.WithLabelValues(worker, bot),
		unverified: unverified.WithLabelValues(worker, bot), replyLatency: replyLatency.WithLabelValues(worker, bot)}, nil
}

func (m *metrics) count(method, tmpl string, err error) {
	m.countStatus(method, tmpl, statusLabel(err))
}

func (m *metrics) countStatus(method, tmpl, status string) {
	m.calls.WithLabelValues(m.worker, m.bot, method, tmpl, status).Inc()
}

func (m *metrics) took(method, tmpl string, d time.Duration) {
	m.duration.WithLabelValues(m.worker, m.bot, method, tmpl).Observe(d.Seconds())
}

// statusLabel keeps the status label to a small set of values.
func statusLabel(err error) string {
	var apiErr *webex.APIError
	var te *webex.TransportError
	switch {
	case err == nil:
		return "200"
	case errors.As(err, &apiErr):
		return strconv.Itoa(apiErr.StatusCode)
	case errors.Is(err, ratelimit.ErrPaused):
		return "paused"
	case errors.As(err, &te):
		return "transport"
	case errors.Is(err, webex.ErrInvalidRequest):
		return "invalid"
	}
	return "error"
}

// register registers c, or returns the collector already registered under
// the same description, so that several clients can share a registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	return promreg.Register(reg, c, "webex call metrics")
}
