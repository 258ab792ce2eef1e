package retry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webexcall"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// storeTimeout bounds storing a call's updated record; it does not follow
// the handler's context, which may be what ended the attempt.
const storeTimeout = 10 * time.Second

// Handler handles one delivery of a call record (see the package comment).
// It is safe for concurrent use.
type Handler struct {
	api   *webexcall.Client
	store *outbox.Store
	cfg   Config
	log   *slog.Logger
	m     *metrics
}

// NewHandler returns the retry handler. api must be a webexcall.Client of
// the retry worker (Worker events.RetryWorker) sharing the bot token's gate
// and without an outbox: the retry worker keeps its calls itself.
func NewHandler(api *webexcall.Client, store *outbox.Store, cfg Config) (*Handler, error) {
	if api == nil || store == nil {
		return nil, errors.New("retry: a Webex client and a call store are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("retry: register metrics: %w", err)
	}
	return &Handler{api: api, store: store, cfg: cfg, log: cfg.Logger, m: m}, nil
}

// Handle implements workers.Handler for a message of WEBEX_CALLS.
func (h *Handler) Handle(ctx context.Context, ev *workers.Event) error {
	rec, err := outbox.Decode(ev.Raw)
	if err != nil {
		return workers.Permanent(fmt.Errorf("unusable call record: %w", err))
	}
	if bot := events.BotOrDefault(rec.Bot); bot != h.api.Bot() {
		// Never make one bot's call with another bot's token.
		return workers.Permanent(fmt.Errorf("call %s is bot %s's, not %s's", rec.ID, bot, h.api.Bot()))
	}
	webexcall.LinkCall(ctx, rec)
	if !rec.Scheduled && rec.Attempts > 0 {
		// Stored by a worker: only Webex's own lower bound is in it yet.
		return h.reschedule(ctx, rec)
	}
	if wait := rec.NotBefore.Sub(h.cfg.Now()); wait > 0 {
		h.m.waits.Inc()
		return workers.Wait(fmt.Errorf("call %s: %w", rec.ID, ErrNotDue), wait)
	}
	if rec.Ambiguous && webexcall.CheckableCall(rec) {
		found, err := h.api.SentBefore(ctx, rec)
		switch {
		case paused(err):
			return h.wait(rec, err)
		case err != nil:
			return h.failed(ctx, rec, h.cfg.Now(), 0, fmt.Errorf("look for the effect of an earlier attempt: %w", err))
		case found == webexcall.Sent:
			h.m.attempt(rec, outbox.OutcomeFound)
			h.m.finish(rec, resultFound)
			h.log.Info("stored call had already taken effect; not sent again", h.attrs(rec)...)
			return nil
		case found == webexcall.Unverified:
			h.api.UnverifiedResend()
			h.log.Warn("sending a stored call again without proof that its earlier attempt did not post: the room may get it twice", h.attrs(rec)...)
		}
	}
	start := h.cfg.Now()
	err = h.api.Send(ctx, rec)
	took := h.cfg.Now().Sub(start)
	switch {
	case err == nil:
		h.m.attempt(rec, outbox.OutcomeOK)
		h.m.finish(rec, resultSent)
		h.log.Info("stored call sent", append(h.attrs(rec), "attempt", rec.Attempts+1)...)
		return nil
	case paused(err):
		return h.wait(rec, err)
	}
	return h.failed(ctx, rec, start, took, err)
}

// failed records a failed attempt and either schedules the next one or
// gives the call up.
func (h *Handler) failed(ctx context.Context, rec *outbox.Call, start time.Time, took time.Duration, err error) error {
	a := webexcall.NewAttempt(events.RetryWorker, start, took, err)
	rec.Record(a)
	h.m.attempt(rec, a.Outcome)
	if a.Outcome == outbox.OutcomePermanent && !h.notFoundLag(rec, a) {
		return h.giveUp(rec, err)
	}
	return h.reschedule(ctx, rec)
}

// notFoundLag reports whether a is a 404 early enough after the call's first
// failure to be Webex's replication lag.
func (h *Handler) notFoundLag(rec *outbox.Call, a outbox.Attempt) bool {
	return a.Status == http.StatusNotFound && a.At.Sub(rec.FirstFailure) < h.cfg.NotFoundGrace
}

// reschedule sets the record's next attempt from the policy, Retry-After,
// the token's pause and the recheck delay, and stores it in place of the
// delivered one. The delivered record is then acked (Deferred): the stored
// one carries on.
func (h *Handler) reschedule(ctx context.Context, rec *outbox.Call) error {
	now := h.cfg.Now()
	end := rec.LastAttemptEnd()
	var last outbox.Attempt
	if n := len(rec.History); n > 0 {
		last = rec.History[n-1]
	} else {
		end = now // a record made by hand: count from now
	}
	if rec.FirstFailure.IsZero() {
		rec.FirstFailure = end
	}
	delay, ok := h.cfg.Policy.Next(rec.Attempts, rec.FirstFailure, now)
	if !ok {
		return h.giveUp(rec, fmt.Errorf("%w (%s after the first failure): %s", ErrExhausted, h.cfg.Policy.MaxElapsed, rec.LastError))
	}
	next := end.Add(delay)
	if last.RetryAfter > 0 {
		// Webex said when: its word replaces the computed delay. The pause
		// holds the same time, clamped; without one, clamp the same way.
		next = end.Add(min(last.RetryAfter, ratelimit.DefaultMaxPause))
		if until := h.api.PausedUntil(ctx); !until.IsZero() && until.After(end) {
			next = until.Add(ratelimit.Spread(until.Sub(now)))
		}
	}
	if rec.Ambiguous && webexcall.CheckableCall(rec) {
		next = later(next, end.Add(h.cfg.RecheckAfter))
	}
	next = later(next, rec.NotBefore)
	if next.Sub(rec.FirstFailure) > h.cfg.Policy.MaxElapsed {
		return h.giveUp(rec, fmt.Errorf("%w (%s after the first failure): %s", ErrExhausted, h.cfg.Policy.MaxElapsed, rec.LastError))
	}
	rec.NotBefore = next
	rec.Scheduled = true
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if _, err := h.store.Put(sctx, rec); err != nil {
		// The delivered record stays; it comes back after a backoff.
		return fmt.Errorf("reschedule call %s: %w", rec.ID, err)
	}
	h.log.Info("stored call rescheduled", append(h.attrs(rec), "next_attempt", next.UTC().Format(time.RFC3339Nano))...)
	return workers.Deferred(fmt.Errorf("call %s: attempt %d failed: next at %s", rec.ID, rec.Attempts, next.UTC().Format(time.RFC3339)))
}

// wait puts the call back until the token's pause ends.
func (h *Handler) wait(rec *outbox.Call, err error) error {
	var pe *ratelimit.PausedError
	d := time.Second
	if errors.As(err, &pe) {
		d = pe.Wait()
	}
	h.m.waits.Inc()
	return workers.Wait(fmt.Errorf("call %s: %w", rec.ID, err), d)
}

// giveUp dead-letters the call with its history.
func (h *Handler) giveUp(rec *outbox.Call, err error) error {
	h.m.finish(rec, resultDeadLetter)
	return workers.Permanent(&GaveUpError{Call: rec, Err: err})
}

// attrs are the fields of every log line about a call. The body is never
// logged: it holds what users wrote.
func (h *Handler) attrs(rec *outbox.Call) []any {
	attrs := []any{"call", rec.ID, "for_worker", rec.Worker, "method", rec.Method, "path", webexcall.Template(rec.Path),
		"attempts", rec.Attempts, "ambiguous", rec.Ambiguous}
	if rec.LastTrackingID != "" {
		attrs = append(attrs, "last_tracking_id", rec.LastTrackingID)
	}
	return attrs
}

// paused reports a wait of the whole worker: the token's rate-limit pause,
// or Webex refusing the token (a 401 is no verdict on the call).
func paused(err error) bool {
	return errors.Is(err, ratelimit.ErrPaused) || errors.Is(err, webexcall.ErrTokenRefused)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
