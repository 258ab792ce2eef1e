package ingest

import (
	"errors"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a delivery, the values of the "outcome" label.
const (
	outcomeStored               = "stored"
	outcomeSpooled              = "spooled"
	outcomeDuplicate            = "duplicate"
	outcomeMethodNotAllowed     = "method_not_allowed"
	outcomeUnsupportedMediaType = "unsupported_media_type"
	outcomeTooLarge             = "too_large"
	outcomeUnauthorized         = "unauthorized"
	outcomeBadRequest           = "bad_request"
	outcomeUnavailable          = "unavailable"
	outcomeTooOld               = "too_old"
	outcomeNotFound             = "not_found"
	outcomeUnknownBot           = "unknown_bot"
	outcomeUnknownWebhook       = "unknown_webhook"
	outcomeWrongBot             = "wrong_bot"
	// Refusals net/http makes before any handler runs (see watchedConn).
	outcomeMalformedRequest    = "malformed_request"
	outcomeHeaderTooLarge      = "header_too_large"
	outcomeNotImplemented      = "not_implemented"
	outcomeVersionNotSupported = "version_not_supported"
)

var allOutcomes = []string{
	outcomeStored, outcomeSpooled, outcomeDuplicate, outcomeMethodNotAllowed, outcomeUnsupportedMediaType,
	outcomeTooLarge, outcomeUnauthorized, outcomeBadRequest, outcomeUnavailable, outcomeTooOld,
	outcomeNotFound, outcomeUnknownBot, outcomeUnknownWebhook, outcomeWrongBot,
	outcomeMalformedRequest, outcomeHeaderTooLarge, outcomeNotImplemented, outcomeVersionNotSupported,
}

// botOutcomes are the outcomes whose series every bot has from the start:
// those alerts and dashboards watch per bot.
var botOutcomes = []string{
	outcomeStored, outcomeSpooled, outcomeDuplicate, outcomeUnauthorized, outcomeBadRequest, outcomeUnavailable, outcomeTooOld,
}

// botOnlyOutcomes come only once a delivery's bot is known: they have no
// noBot series.
var botOnlyOutcomes = []string{
	outcomeStored, outcomeSpooled, outcomeDuplicate, outcomeUnauthorized, outcomeUnavailable, outcomeTooOld, outcomeWrongBot,
}

// noBot is the bot label of a request refused before its bot was known.
// It is no bot id (events.ValidBot), so it never stands for a bot.
const noBot = ""

// metrics are the service's collectors. Labels take only the fixed values
// above and bot ids of the registry, never anything from a request.
type metrics struct {
	requests      *prometheus.CounterVec   // by outcome, bot
	publishTime   *prometheus.HistogramVec // by result: ok, error
	publishErrors *prometheus.CounterVec   // by failureKind
	bodyBytes     prometheus.Histogram
	// signatureFailures is by webhook: a known id or UnknownWebhook.
	signatureFailures *prometheus.CounterVec

	// The series every stored delivery touches, looked up once (the
	// stored and duplicate counters are each bot's: botRoute).
	publishOK, publishFail prometheus.Observer
}

// newMetrics registers the collectors in reg, with the series of each of
// bots.
func newMetrics(reg prometheus.Registerer, bots []string) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_ingest_requests_total",
			Help: "Webhook deliveries answered, by outcome and bot (\"\" when refused before the bot was known).",
		}, []string{"outcome", "bot"}),
		publishTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "webexpipe_ingest_publish_duration_seconds",
			Help:    "Time from publishing an event to JetStream's acknowledgement or the failure, by result.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"result"}),
		publishErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_ingest_publish_errors_total",
			Help: "Events JetStream did not acknowledge, by kind of failure.",
		}, []string{"kind"}),
		bodyBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "webexpipe_ingest_request_body_bytes",
			Help:    "Size of webhook bodies read (refused ones included).",
			Buckets: prometheus.ExponentialBuckets(256, 4, 8), // 256 B to 4 MiB
		}),
		signatureFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webexpipe_ingest_signature_failures_total",
			Help: "Deliveries refused for a missing or wrong signature, by webhook: its id when it is one of the deployment's, else \"unknown\".",
		}, []string{"webhook"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.publishTime, m.publishErrors, m.bodyBytes, m.signatureFailures} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, errors.New("ingest: metrics already registered in this registry (one Service per registry)")
			}
			return nil, err
		}
	}
	// Pre-create every series so dashboards and alerts see zeros, not gaps.
	for _, o := range allOutcomes {
		if !slices.Contains(botOnlyOutcomes, o) {
			m.requests.WithLabelValues(o, noBot)
		}
	}
	for _, b := range bots {
		for _, o := range botOutcomes {
			m.requests.WithLabelValues(o, b)
		}
	}
	for _, r := range []string{"ok", "error"} {
		m.publishTime.WithLabelValues(r)
	}
	m.signatureFailures.WithLabelValues(UnknownWebhook)
	for _, k := range allFailureKinds {
		m.publishErrors.WithLabelValues(string(k))
	}
	m.publishOK = m.publishTime.WithLabelValues("ok")
	m.publishFail = m.publishTime.WithLabelValues("error")
	return m, nil
}
