package webhooks

import (
	"context"
	"fmt"
	"time"
)

// Causes of an Outage's end.
const (
	// CauseReactivated: the watchdog (or an ensure) re-activated the
	// webhook.
	CauseReactivated = "webhook_reactivated"
	// CauseFoundActive: the webhook was found active again, re-enabled by
	// someone else (or by a process whose record was lost).
	CauseFoundActive = "webhook_found_active"
)

// An Outage is a stretch of time in which a managed webhook delivered
// nothing: from when it was first seen disabled until it was seen active
// again. Webex does not send again what it could not deliver, so the
// events of that stretch (and of the failed deliveries before Webex
// disabled it, which come before From) are lost unless something recovers
// them.
type Outage struct {
	WebhookID string    `json:"webhook_id"`
	Name      string    `json:"name"`
	Resource  string    `json:"resource"`
	Event     string    `json:"event"`
	From      time.Time `json:"from"`
	Until     time.Time `json:"until"`
	// Cause says how it ended: CauseReactivated or CauseFoundActive; or
	// CauseWatchdogAbsent for a time no watchdog watched (WebhookID and
	// Name are then empty).
	Cause string `json:"cause"`
}

// Recovery is what a watchdog hands the outages it sees end to
// (WatchOptions.Recovery): the automatic backfill.
type Recovery interface {
	// Record keeps an outage for recovery; the watchdog forgets it only
	// after Record returned nil. Recording one outage twice must be
	// harmless.
	Record(ctx context.Context, o Outage) error
	// Run recovers what was recorded, within its own bounds. The
	// watchdog calls it after every round, outside the webhook lock; an
	// error is logged and Run is called again next round.
	Run(ctx context.Context) error
}

// handOver gives the outages recorded for the webhooks of rep to r and
// forgets those r took. An outage r refuses stays for the next round.
func (m *Manager) handOver(ctx context.Context, rep *Report, r Recovery) error {
	if rep == nil {
		return nil
	}
	for _, a := range rep.Actions {
		if a.Kind == KindDeleted || a.WebhookID == "" {
			continue
		}
		key := recordKey(a.WebhookID)
		rec, rev, err := m.read(ctx, key)
		if err != nil {
			return err
		}
		if len(rec.Ended) == 0 {
			continue
		}
		taken := 0
		for _, o := range rec.Ended {
			if err := r.Record(ctx, o); err != nil {
				err = fmt.Errorf("record the outage of webhook %s for recovery: %w", a.WebhookID, err)
				if taken == 0 {
					return err
				}
				m.o.Logger.Warn("an outage was not handed to the recovery; trying again next round", "webhook_id", a.WebhookID, "err", err)
				break
			}
			taken++
		}
		rec.Ended = rec.Ended[taken:]
		// A conflict means the record changed meanwhile: the outages are
		// handed over again next round, which Record takes as harmless.
		if _, err := m.write(ctx, key, rec, rev); err != nil && !conflict(err) {
			return fmt.Errorf("forget the outages handed over of webhook %s: %w", a.WebhookID, err)
		}
	}
	return nil
}
