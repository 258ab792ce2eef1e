package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/internal/kvlease"
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
	if d == 0 {
		return g.Until(ctx), nil
	}
	now := g.now()
	until := now.Add(d)
	g.raise(until)
	val, err := json.Marshal(pause{Until: until.UTC(), Status: status, By: g.worker, At: now.UTC()})
	if err != nil {
		return g.Until(ctx), fmt.Errorf("ratelimit: encode pause: %w", err)
	}
	for range casAttempts {
		r, err := g.extend(ctx, until, val)
		if err != nil {
			return g.Until(ctx), err
		}
		if r.conflict {
			continue // another process wrote in between: look again
		}
		if r.wrote {
			g.m.pauses.Inc()
			g.m.pauseAdded.Add(until.Sub(later(r.previous, now)).Seconds())
			g.log.Info("Webex asked to pause; every worker of this bot token waits",
				"status", status, "pause", d, "until", until.UTC().Format(time.RFC3339Nano), "key", g.key)
		}
		g.raise(r.stored)
		return g.Until(ctx), nil
	}
	return g.Until(ctx), fmt.Errorf("ratelimit: pause %s not stored: the key kept changing", g.key)
}

// extended is what one compare-and-set round of Pause did.
type extended struct {
	conflict bool      // another writer got in between; nothing was written
	wrote    bool      // this pause was stored
	previous time.Time // the end of the stored pause before, if any
	stored   time.Time // the end of the stored pause after
}

// extend stores val (ending at until) unless the stored pause ends as late
// or later.
func (g *Gate) extend(ctx context.Context, until time.Time, val []byte) (extended, error) {
	e, err := g.kv.Get(ctx, g.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		_, err := g.kv.Create(ctx, g.key, val)
		switch {
		case kvlease.Conflict(err):
			return extended{conflict: true}, nil
		case err != nil:
			return extended{}, fmt.Errorf("ratelimit: store pause %s: %w", g.key, err)
		}
		return extended{wrote: true, stored: until}, nil
	}
	if err != nil {
		return extended{}, fmt.Errorf("ratelimit: read pause %s: %w", g.key, err)
	}
	var previous time.Time
	if cur, err := decodePause(e.Value()); err == nil {
		// Compared as obeyed, so that a new pause replaces a stored one
		// that only seemed longer.
		curUntil := g.bound(cur, e.Created())
		if !curUntil.Before(until) {
			return extended{previous: curUntil, stored: curUntil}, nil
		}
		previous = curUntil
	}
	_, err = g.kv.Update(ctx, g.key, val, e.Revision())
	switch {
	case kvlease.Conflict(err):
		return extended{conflict: true}, nil
	case err != nil:
		return extended{}, fmt.Errorf("ratelimit: store pause %s: %w", g.key, err)
	}
	return extended{wrote: true, previous: previous, stored: until}, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
