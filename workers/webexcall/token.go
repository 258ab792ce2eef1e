package webexcall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// DefaultTokenRecheck is how often a worker whose token Webex refused asks
// again (GET /people/me) whether it is accepted: often enough that a fixed
// token resumes work within a minute, rarely enough to be no load.
const DefaultTokenRecheck = 30 * time.Second

// tokenCheckTimeout bounds one GET /people/me of a re-check.
const tokenCheckTimeout = 10 * time.Second

// TokenRefusedError is what a call returns while Webex refuses the bot
// token (it answered 401): the call that got the 401, and every call made
// before the token is accepted again, which is refused without being sent.
// It matches ErrTokenRefused. Err is the 401 itself (an *webex.APIError)
// for the call that got it, nil for the calls refused here. A 401 says
// nothing about the event being handled: every event would fail the same
// way, so it is a pause of the whole worker, not a failure of one event.
type TokenRefusedError struct {
	Since time.Time     // when Webex first refused the token
	Wait  time.Duration // until the next check of the token
	Err   error
}

func (e *TokenRefusedError) Error() string {
	msg := fmt.Sprintf("%s since %s; checking again in %s", ErrTokenRefused, e.Since.UTC().Format(time.RFC3339), e.Wait.Round(time.Second))
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *TokenRefusedError) Is(target error) bool { return target == ErrTokenRefused }
func (e *TokenRefusedError) Unwrap() error        { return e.Err }

// tokenState remembers whether Webex refuses the token, and when to ask
// again. It is safe for concurrent use.
type tokenState struct {
	api   *webex.Client
	every time.Duration
	now   func() time.Time
	log   *slog.Logger
	gauge prometheus.Gauge // 1 while refused

	mu       sync.Mutex // guards the fields below
	refused  bool
	since    time.Time // first 401 of the current refusal
	next     time.Time // when to check the token again
	checking bool      // a check is under way; others do not start one
}

// isUnauthorized reports whether err is Webex answering 401.
func isUnauthorized(err error) bool {
	var apiErr *webex.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized
}

// refuse records a 401 and returns the error for the call that got it.
func (t *tokenState) refuse(err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if !t.refused {
		t.refused, t.since, t.next = true, now, now.Add(t.every)
		t.gauge.Set(1)
		t.log.Error("Webex refuses the bot token (401): fetching stops until it is accepted again; "+
			"check WEBEX_TOKEN or WEBEX_TOKEN_FILE", "error", err, "recheck_every", t.every)
	}
	return &TokenRefusedError{Since: t.since, Wait: max(t.next.Sub(now), 0), Err: err}
}

// blocked returns a *TokenRefusedError while the token is refused, so a
// call fails at once instead of earning another 401.
func (t *tokenState) blocked() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.refused {
		return nil
	}
	return &TokenRefusedError{Since: t.since, Wait: max(t.next.Sub(t.now()), 0)}
}

// unready says why the worker cannot work, or nil.
func (t *tokenState) unready() error {
	return t.blocked()
}

// holdUntil is the end of the refusal as far as it is known: zero when the
// token is accepted, else the next check. When that check is due it is
// made here, by one caller at a time (the others see the refusal go on),
// so a refused worker asks Webex once per interval however many runners
// hold on it.
func (t *tokenState) holdUntil(ctx context.Context) time.Time {
	t.mu.Lock()
	if !t.refused {
		t.mu.Unlock()
		return time.Time{}
	}
	if t.checking || t.now().Before(t.next) {
		next := t.next
		t.mu.Unlock()
		return next
	}
	t.checking = true
	t.mu.Unlock()

	err := t.check(ctx)

	t.mu.Lock()
	defer t.mu.Unlock()
	t.checking = false
	if err == nil {
		t.log.Info("Webex accepts the bot token again; fetching resumes", "refused_for", t.now().Sub(t.since).Round(time.Second))
		t.refused = false
		t.gauge.Set(0)
		return time.Time{}
	}
	t.next = t.now().Add(t.every)
	if !isUnauthorized(err) {
		t.log.Warn("could not check the bot token; the worker stays paused", "error", err, "next_check", t.every)
	}
	return t.next
}

// check asks Webex whether the token is accepted now, directly: the
// shared pause and the refusal must not stop the one call that can end
// the refusal.
func (t *tokenState) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, tokenCheckTimeout)
	defer cancel()
	_, err := t.api.Me(ctx)
	return err
}

// CheckToken asks Webex once (GET /people/me) whether it accepts the bot
// token, and pauses the worker if not, so a worker started with a wrong or
// revoked token is unready from the start rather than at its first event.
// It returns the call's error; a failure other than a 401 (Webex not
// reachable) changes nothing.
func (c *Client) CheckToken(ctx context.Context) error {
	me, err := c.api.Me(ctx)
	switch {
	case isUnauthorized(err):
		return c.token.refuse(err)
	case err != nil:
		return err
	}
	c.id.remember(me)
	return nil
}

// Unready says why the worker cannot do its work now (Webex refuses the
// token), or nil; for a readiness probe (workers.Config.Unready).
func (c *Client) Unready() error { return c.token.unready() }

// HoldUntil is until when a runner should fetch nothing
// (workers.Config.Hold): the later of the bot token's shared rate-limit
// pause and the refusal of the token, re-checked here when due.
func (c *Client) HoldUntil(ctx context.Context) time.Time {
	until := c.PausedUntil(ctx)
	if refused := c.token.holdUntil(ctx); refused.After(until) {
		until = refused
	}
	return until
}

// waitForToken turns a refused token into a planned wait (workers.Wait)
// until the next check: the event comes back after the refusal instead of
// being dead-lettered, and no warning is logged per held event (the
// refusal was logged once). Other errors pass unchanged.
func waitForToken(err error) error {
	var te *TokenRefusedError
	if !errors.As(err, &te) {
		return err
	}
	return workers.Wait(err, max(te.Wait, time.Second))
}

// newRefusedGauge is webexpipe_webex_token_refused for worker and bot,
// registered on reg (nil: a private registry), shared with other clients
// of reg: each bot's token has its own series.
func newRefusedGauge(reg prometheus.Registerer, worker, bot string) (prometheus.Gauge, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	g, err := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "webexpipe_webex_token_refused",
		Help: "1 while Webex refuses the bot token (401) and the worker holds its fetch, else 0.",
	}, []string{"worker", "bot"}))
	if err != nil {
		return nil, err
	}
	return g.WithLabelValues(worker, bot), nil
}
