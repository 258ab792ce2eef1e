package ingest

import (
	"fmt"

	"github.com/nats-io/nats.go"
	"log/slog"
	"net/http"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// serveWebhook handles one delivery: check the request, read the body,
// pick its bot and verify it with that bot's secrets, decode it, store it
// on the bot's subjects, and answer 200 only once JetStream acknowledged
// it. pathBot is the bot the URL names; nil for the bare webhook path.
func (s *Service) serveWebhook(w http.ResponseWriter, r *http.Request, pathBot *botRoute) {
	receivedAt := s.cfg.Now()
	bot, route := noBot, s.cfg.Path
	if pathBot != nil {
		bot, route = pathBot.id, s.botSpanRoute
	}
	r, span := s.startSpan(r, route)
	defer span.End()
	if rej := checkRequest(r, s.cfg.MaxBodyBytes); rej != nil {
		s.refuse(w, r, bot, *rej)
		return
	}
	body, rej := readBody(w, r, s.cfg.MaxBodyBytes)
	if rej != nil {
		s.refuse(w, r, bot, *rej)
		return
	}
	s.metrics.bodyBytes.Observe(float64(len(body)))
	c, rej := s.bots.choose(pathBot, body)
	if rej != nil {
		s.refuse(w, r, bot, *rej)
		return
	}
	bot = c.bot.id
	sig := r.Header.Get(events.SignatureHeader)
	env, rej := admit(body, sig, c.verifier, s.cfg.Insecure)
	if rej != nil {
		if rej.outcome == outcomeUnauthorized {
			s.countSignatureFailure(body)
		}
		s.refuse(w, r, bot, *rej)
		return
	}
	if c.byID && env.ID != c.claimed {
		// Two readings of one body disagree on the id that chose the
		// secrets: refuse rather than store under either.
		s.refuse(w, r, bot, rejection{http.StatusBadRequest, outcomeBadRequest, "ambiguous webhook id"})
		return
	}
	traceEnvelope(r.Context(), bot, env)
	if !s.cfg.Insecure {
		s.cfg.KnownWebhooks.Add(env.ID) // signed: one of the deployment's
	}
	if rej := checkAge(env, receivedAt, s.cfg.MaxEventAge); rej != nil {
		s.refuse(w, r, bot, *rej)
		return
	}

	d := delivery{env: env, bot: bot, body: body, signature: sig, dedupKey: events.BotDedupKey(bot, env, body), receivedAt: receivedAt}
	msg := s.pub.message(d)
	traceStored(r.Context(), msg)
	if rej := headersFit(d, msg.Header); rej != nil {
		s.refuse(w, r, bot, *rej)
		return
	}
	if s.spool != nil && s.spool.holding() {
		// Earlier deliveries wait in the spool: join them, keep the order.
		s.spoolOrFail(w, r, d, msg, nil)
		return
	}
	start := time.Now() // monotonic, unlike an injected Now
	ack, err := s.pub.publish(r.Context(), msg)
	elapsed := time.Since(start).Seconds()
	if err != nil {
		s.metrics.publishFail.Observe(elapsed)
		if s.spool != nil && classify(err).status == http.StatusServiceUnavailable {
			s.spoolOrFail(w, r, d, msg, err)
			return
		}
		s.notStored(w, r, d, err)
		return
	}
	s.metrics.publishOK.Observe(elapsed)

	outcome, counter := outcomeStored, c.bot.stored
	if ack.Duplicate {
		outcome, counter = outcomeDuplicate, c.bot.duplicate
	}
	counter.Inc()
	writeStored(w, ack.Sequence, ack.Duplicate)
	traceAnswer(r.Context(), http.StatusOK, outcome, ack.Sequence)
	// Checked first so that a stored delivery costs no log attributes
	// unless they are written.
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "webhook stored",
			slog.String("outcome", outcome),
			slog.String("bot", bot),
			slog.String("resource", env.Resource),
			slog.String("event", env.Event),
			slog.Uint64("stream_seq", ack.Sequence),
		)
	}
}

// notStored answers a delivery JetStream did not acknowledge: 503 with
// Retry-After, or 413 when the event can never fit. Never a 2xx.
func (s *Service) notStored(w http.ResponseWriter, r *http.Request, d delivery, err error) {
	f := classify(err)
	outcome := outcomeUnavailable
	if f.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds(s.cfg.RetryAfter))
	} else {
		outcome = outcomeTooLarge
	}
	writeJSON(w, f.status, errorBody{Error: ErrNotStored.Error() + ": " + f.reason})
	s.metrics.requests.WithLabelValues(outcome, d.bot).Inc()
	s.metrics.publishErrors.WithLabelValues(string(f.kind)).Inc()
	traceAnswer(r.Context(), f.status, outcome, 0)
	// err comes from nats.go and the server: subject, causes, no secrets.
	s.log.LogAttrs(r.Context(), slog.LevelError, "webhook not stored",
		slog.String("outcome", outcome),
		slog.Int("status", f.status),
		slog.String("kind", string(f.kind)),
		slog.String("bot", d.bot),
		slog.String("resource", d.env.Resource),
		slog.String("event", d.env.Event),
		slog.String("remote", r.RemoteAddr),
		slog.String("error", err.Error()),
	)
}

// spoolOrFail appends a delivery JetStream did not take to the spool and
// answers 200 "spooled" once it is on disk; when the spool cannot take it,
// the answer is 503 as without a spool. pubErr is the publish failure that
// led here, nil when the delivery joins a non-empty spool.
func (s *Service) spoolOrFail(w http.ResponseWriter, r *http.Request, d delivery, msg *nats.Msg, pubErr error) {
	if err := s.spool.add(msg); err != nil {
		if pubErr == nil {
			pubErr = fmt.Errorf("%w: spool holds earlier deliveries", ErrNotStored)
		}
		s.log.Error("spool refused a delivery", "error", err)
		s.notStored(w, r, d, fmt.Errorf("%w (spool: %w)", pubErr, err))
		return
	}
	s.metrics.requests.WithLabelValues(outcomeSpooled, d.bot).Inc()
	writeJSON(w, http.StatusOK, storedBody{Status: "spooled"})
	traceAnswer(r.Context(), http.StatusOK, outcomeSpooled, 0)
	attrs := []slog.Attr{slog.String("bot", d.bot), slog.String("resource", d.env.Resource), slog.String("event", d.env.Event)}
	if pubErr != nil {
		attrs = append(attrs, slog.String("publish_error", pubErr.Error()))
	}
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "webhook spooled", attrs...)
}

// countSignatureFailure counts a refused signature under the webhook the
// body claims when that is a known one. The body is looked at only when
// some webhook is known.
func (s *Service) countSignatureFailure(body []byte) {
	label := UnknownWebhook
	if !s.cfg.KnownWebhooks.empty() {
		label = s.cfg.KnownWebhooks.label(claimedWebhook(body))
	}
	s.metrics.signatureFailures.WithLabelValues(label).Inc()
}
