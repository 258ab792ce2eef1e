package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// CauseWatchdogAbsent: no watchdog with a recovery ran for longer than
// WatchOptions.AbsentAfter. Nobody looked at the webhooks meanwhile, and
// where the watchdog shares a machine with ingest (one host running the
// compose topology) the machine being down is ingest being unreachable,
// without any webhook getting disabled if few messages came.
const CauseWatchdogAbsent = "watchdog_absent"

// heartbeat is the value of a watchdog's heartbeat key: its last good
// round.
type heartbeat struct {
	At time.Time `json:"at"`
}

// heartbeatKey is the heartbeat of the watchdogs of one name prefix and
// bot.
func heartbeatKey(prefix, bot string) string {
	return "watch." + scopeHash(prefix, bot)
}

// lastWatched returns the time of the last good round of a watchdog with
// a recovery; zero when none ever ran (or its mark expired).
func (m *Manager) lastWatched(ctx context.Context) (time.Time, error) {
	e, err := m.kv.Get(ctx, heartbeatKey(m.o.NamePrefix, m.o.Bot))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read the watchdog's heartbeat: %w", err)
	}
	var hb heartbeat
	if json.Unmarshal(e.Value(), &hb) != nil {
		return time.Time{}, nil
	}
	return hb.At, nil
}

// watched records a good round.
func (m *Manager) watched(ctx context.Context, at time.Time) error {
	val, err := json.Marshal(heartbeat{At: at.UTC()})
	if err != nil {
		return err
	}
	if _, err := m.kv.Put(ctx, heartbeatKey(m.o.NamePrefix, m.o.Bot), val); err != nil {
		return fmt.Errorf("write the watchdog's heartbeat: %w", err)
	}
	return nil
}

// absence returns the outage of the time no watchdog watched, when it
// lasted longer than o.AbsentAfter and new messages are among the
// webhooks that must exist (the only events a recovery can get back);
// nil otherwise.
func (m *Manager) absence(ctx context.Context, o WatchOptions) (*Outage, error) {
	if !slices.ContainsFunc(o.Want, func(re events.ResourceEvent) bool {
		return re.Resource == "messages" && (re.Event == "created" || re.Event == "all")
	}) {
		return nil, nil
	}
	last, err := m.lastWatched(ctx)
	if err != nil || last.IsZero() {
		return nil, err
	}
	now := m.o.Now()
	if now.Sub(last) <= o.AbsentAfter {
		return nil, nil
	}
	m.o.Logger.Warn("no webhook watchdog ran for a while: recovering the messages of that time",
		"last_round", last, "absent_for", now.Sub(last).Round(time.Second))
	return &Outage{Resource: "messages", Event: "created", From: last, Until: now, Cause: CauseWatchdogAbsent}, nil
}
