package webexcall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// call sends one request through the pause: it refuses with a
// *ratelimit.PausedError while the token is paused, counts the call, and
// starts or extends the pause when Webex answers 429 or 423. A request
// sent has a span; rec is the stored call it makes again, or nil.
func (c *Client) call(ctx context.Context, method, path string, rec *outbox.Call, send func(context.Context) error) error {
	tmpl := Template(path)
	if err := c.token.blocked(); err != nil {
		c.m.countStatus(method, tmpl, "token_refused")
		return err
	}
	if c.gate != nil {
		if err := c.gate.Check(ctx); err != nil {
			c.m.count(method, tmpl, err)
			return err
		}
	}
	start := c.now()
	sctx, span := c.startCallSpan(ctx, method, tmpl, rec)
	err := send(sctx)
	endCallSpan(span, err)
	c.m.took(method, tmpl, c.now().Sub(start))
	c.m.count(method, tmpl, err)
	if isUnauthorized(err) {
		return c.token.refuse(err)
	}
	var apiErr *webex.APIError
	if c.gate != nil && errors.As(err, &apiErr) && apiErr.RetryAfter > 0 &&
		(apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode == http.StatusLocked) {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideTimeout)
		defer cancel()
		if _, perr := c.gate.Pause(pctx, apiErr.RetryAfter, apiErr.StatusCode); perr != nil {
			// This process still waits (Pause applies locally first);
			// the others learn of the limit from their own 429.
			c.log.Warn("rate-limit pause not shared", "error", perr)
		}
	}
	return err
}

// read makes a call that changes nothing. Its failure goes back to the
// handler unchanged, except that a pause becomes a workers.Wait for its
// remaining time.
func (c *Client) read(ctx context.Context, path string, send func(context.Context) error) error {
	return forHandler(c.call(ctx, http.MethodGet, path, nil, send))
}

// write makes a call with an effect. In a handler (the context carries a
// workers.Event) with an outbox, a failure that a later attempt may fix is
// stored as a call record and reported as a workers.Deferred error; in
// ordered mode it is not stored but retried in place (writeInPlace). body
// is the request as it will be sent again.
func (c *Client) write(ctx context.Context, method, path string, body json.RawMessage, send func(context.Context) error) error {
	ev, inHandler := workers.EventFrom(ctx)
	if inHandler && ev.Ordered {
		return c.writeInPlace(ctx, ev, method, path, body, send)
	}
	if c.store == nil || !inHandler {
		return forHandler(c.call(ctx, method, path, nil, send))
	}
	rec := outbox.New(c.worker, method, path, body, &outbox.EventRef{
		Stream: ev.Stream, Seq: ev.StreamSeq, Subject: ev.Subject, DedupKey: ev.DedupKey,
	})
	rec.ForBot(c.bot)
	if ev.Retried() {
		// The event is back: an earlier delivery may have stored this call
		// and lost its ack. Sending now could duplicate what the retry
		// worker is about to send.
		if pending, err := c.store.PendingCall(ctx, rec); err != nil {
			c.log.Warn("could not look for a stored copy of the call; sending", "call", rec.ID, "error", err)
		} else if pending {
			return workers.Deferred(fmt.Errorf("%s %s: %w (call %s)", method, Template(path), ErrAlreadyStored, rec.ID))
		}
	}
	start := c.now()
	err := c.call(ctx, method, path, nil, send)
	if err == nil || errors.Is(err, ratelimit.ErrPaused) || !webex.IsRetryable(err) {
		return forHandler(err)
	}
	a := NewAttempt(c.worker, start, c.now().Sub(start), err)
	rec.Record(a)
	rec.NotBefore = c.earliest(ctx, rec.LastAttemptEnd(), a.RetryAfter)
	traceRecord(ctx, rec)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideTimeout)
	defer cancel()
	if _, serr := c.store.Put(sctx, rec); serr != nil {
		c.log.Warn("failed call not stored; the event will be retried instead", "call", rec.ID, "error", serr)
		return fmt.Errorf("%w (storing it for retry failed: %v)", err, serr)
	}
	c.m.stored.Inc()
	c.log.Info("failed Webex call stored for the retry worker",
		"call", rec.ID, "method", method, "path", Template(path), "outcome", a.Outcome, "status", a.Status,
		"tracking_id", a.TrackingID, "ambiguous", rec.Ambiguous, "stream_seq", ev.StreamSeq)
	return workers.Deferred(&StoredError{CallID: rec.ID, Err: err})
}

// earliest is when a call that failed at end, with Webex asking to wait
// retryAfter, may be tried again: the end of the token's pause, which call
// has just extended and clamped. Without a gate Retry-After is clamped the
// same way.
func (c *Client) earliest(ctx context.Context, end time.Time, retryAfter time.Duration) time.Time {
	if c.gate == nil {
		return end.Add(min(retryAfter, ratelimit.DefaultMaxPause))
	}
	if until := c.gate.Until(ctx); until.After(end) {
		return until
	}
	return end
}

// forHandler turns a pause into the error kind that makes the runner
// redeliver the event when the pause ends (staggered a little, see
// ratelimit.PausedError.Wait). It is a planned wait (workers.Wait), not a
// failure: the 429 that started the pause was logged once, and a long pause
// must not log a warning per held event.
func forHandler(err error) error {
	var pe *ratelimit.PausedError
	if errors.As(err, &pe) {
		return workers.Wait(err, pe.Wait())
	}
	return waitForToken(err)
}

// Send makes a stored call once, through the pause, as the retry worker
// does. It returns the webex client's error, or a *ratelimit.PausedError
// (matching ratelimit.ErrPaused) when the token is paused and nothing was
// sent. The answer's body is discarded. Its span links to the handler
// that first made the call (outbox.Call.Trace).
func (c *Client) Send(ctx context.Context, rec *outbox.Call) error {
	return c.call(ctx, rec.Method, rec.Path, rec, func(ctx context.Context) error {
		return c.api.Do(ctx, rec.Method, rec.Path, rec.Body, nil)
	})
}
