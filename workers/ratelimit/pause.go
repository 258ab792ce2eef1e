package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// casAttempts bounds the compare-and-set rounds of one Pause when other
// processes write the same key at the same moment.
const casAttempts = 5

// Pause makes every process of the token wait d from now (clamped to
// [0, MaxPause]) before its next Webex call, status being the HTTP status
// that asked for it (429 or 423). A pause never shortens an existing one:
// Pause returns the end of the pause in force afterwards, which may be later
// than now+d. The new end applies in this process at once, even when
// storing it fails (the error says so).
func (g *Gate) Pause(ctx context.Context, d time.Duration, status int) (time.Time, error) {
	d = min(max(d, 0), g.maxPause)
	now := g.now()
	until := now.Add(d)
	before := g.Until(ctx)
	if d == 0 {
		return before, nil
	}
	g.raise(until)
	val, err := json.Marshal(pause{Until: until.UTC(), Status: status, By: g.worker, At: now.UTC()})
	if err != nil {
		return until, fmt.Errorf("ratelimit: encode pause: %w", err)
	}
	for range casAttempts {
		stored, done, err := g.extend(ctx, until, val)
		if err != nil {
			return g.Until(ctx), err
		}
		if !done {
			continue // another process wrote first: look again
		}
		if stored.Equal(until) {
			g.m.pauses.Inc()
			g.m.pauseAdded.Add(until.Sub(later(before, now)).Seconds())
			g.log.Info("Webex asked to pause; every worker of this bot token waits",
				"status", status, "pause", d, "until", until.UTC().Format(time.RFC3339Nano), "key", g.key)
		}
		g.raise(stored)
		return g.Until(ctx), nil
	}
	return g.Until(ctx), fmt.Errorf("ratelimit: pause %s not stored: the key kept changing", g.key)
}

// extend stores val (ending at until) unless the stored pause ends as late
// or later. done is false when another writer got in between; stored is the
// end of the pause in the bucket afterwards.
func (g *Gate) extend(ctx context.Context, until time.Time, val []byte) (stored time.Time, done bool, err error) {
	e, err := g.kv.Get(ctx, g.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		_, err := g.kv.Create(ctx, g.key, val)
		if conflict(err) {
			return time.Time{}, false, nil
		}
		if err != nil {
			return time.Time{}, false, fmt.Errorf("ratelimit: store pause %s: %w", g.key, err)
		}
		return until, true, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("ratelimit: read pause %s: %w", g.key, err)
	}
	if cur, err := decodePause(e.Value()); err == nil && !cur.Until.Before(until) {
		return cur.Until, true, nil
	}
	_, err = g.kv.Update(ctx, g.key, val, e.Revision())
	if conflict(err) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("ratelimit: store pause %s: %w", g.key, err)
	}
	return until, true, nil
}

// conflict reports whether err means the key changed since it was read.
func conflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
