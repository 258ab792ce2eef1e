package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// record is what the bucket remembers of a managed webhook between runs.
type record struct {
	WebhookID string `json:"webhook_id"`
	// DisabledSince is when the webhook was first seen disabled; zero
	// while it is active.
	DisabledSince time.Time `json:"disabled_since,omitzero"`
	// Reactivations counts re-activations that did not last: each one
	// within MaxBackoff of the previous doubles the next wait.
	Reactivations   int       `json:"reactivations,omitempty"`
	LastReactivated time.Time `json:"last_reactivated,omitzero"`
	// Ended are the outages seen to end that no recovery has taken yet
	// (see Recovery), oldest first, at most maxEnded: a watchdog with a
	// recovery hands them over, and without one they wait here.
	Ended []Outage `json:"ended,omitempty"`
}

// maxEnded bounds the outages a record keeps for a recovery that does not
// come; the oldest are dropped first.
const maxEnded = 16

// end notes in rec that the outage begun at rec.DisabledSince ended now,
// and clears the mark.
func (rec *record) end(h webex.Webhook, now time.Time, cause string) {
	rec.Ended = append(rec.Ended, Outage{WebhookID: h.ID, Name: h.Name, Resource: h.Resource, Event: h.Event,
		From: rec.DisabledSince, Until: now, Cause: cause})
	if n := len(rec.Ended) - maxEnded; n > 0 {
		rec.Ended = rec.Ended[n:]
	}
	rec.DisabledSince = time.Time{}
}

// recordKey is the bucket key of a webhook's record. Webex ids are opaque:
// hashing keeps the key within what KV keys allow.
func recordKey(webhookID string) string {
	sum := sha256.Sum256([]byte(webhookID))
	return "hook." + hex.EncodeToString(sum[:16])
}

// wait is how long a webhook must have been seen disabled before it is
// re-activated: MinDisabled, doubled for every re-activation that did not
// last, up to MaxBackoff. A webhook that stayed up for MaxBackoff since its
// last re-activation starts again at MinDisabled.
func (m *Manager) wait(r record, now time.Time) time.Duration {
	k := r.Reactivations
	if r.LastReactivated.IsZero() || now.Sub(r.LastReactivated) >= m.o.MaxBackoff {
		k = 0
	}
	d := m.o.MinDisabled
	for range min(k, 32) {
		d *= 2
		if d >= m.o.MaxBackoff {
			return m.o.MaxBackoff
		}
	}
	return d
}

// verdict is what to do about a disabled webhook.
type verdict struct {
	since time.Time // first seen disabled
	after time.Time // earliest re-activation
	now   bool      // re-activate now
	rec   record
	rev   uint64
}

// judge records that a webhook is disabled, if it is not recorded yet, and
// says whether it may be re-activated now. Two processes recording at once
// agree on the first record (compare-and-set).
func (m *Manager) judge(ctx context.Context, id string) (verdict, error) {
	now := m.o.Now()
	key := recordKey(id)
	for range 3 {
		rec, rev, err := m.read(ctx, key)
		if err != nil {
			return verdict{}, err
		}
		if rec.DisabledSince.IsZero() {
			rec.WebhookID, rec.DisabledSince = id, now
			if rev, err = m.write(ctx, key, rec, rev); conflict(err) {
				continue
			} else if err != nil {
				return verdict{}, err
			}
		}
		after := rec.DisabledSince.Add(m.wait(rec, now))
		return verdict{since: rec.DisabledSince, after: after, now: !now.Before(after), rec: rec, rev: rev}, nil
	}
	return verdict{}, fmt.Errorf("record webhook %s as disabled: the record kept changing", id)
}

// reactivated records a successful re-activation, and the outage it ends.
// Should the record not be written, the next round finds the webhook
// active with its disabled mark still set, and seenActive records the
// outage then.
func (m *Manager) reactivated(ctx context.Context, h webex.Webhook, v verdict) {
	now := m.o.Now()
	rec := v.rec
	if rec.LastReactivated.IsZero() || now.Sub(rec.LastReactivated) >= m.o.MaxBackoff {
		rec.Reactivations = 0
	}
	rec.Reactivations++
	rec.LastReactivated = now
	rec.end(h, now, CauseReactivated)
	if _, err := m.write(ctx, recordKey(h.ID), rec, v.rev); err != nil && !conflict(err) {
		m.o.Logger.Warn("recording a webhook re-activation failed; the next wait will not be longer", "webhook_id", h.ID, "err", err)
	}
}

// seenActive clears the disabled mark of a webhook found active (re-enabled
// by hand, or by a process whose record update was lost), recording the
// outage it ends.
func (m *Manager) seenActive(ctx context.Context, h webex.Webhook) error {
	key := recordKey(h.ID)
	rec, rev, err := m.read(ctx, key)
	if err != nil || rev == 0 || rec.DisabledSince.IsZero() {
		return err
	}
	rec.end(h, m.o.Now(), CauseFoundActive)
	if _, err := m.write(ctx, key, rec, rev); err != nil && !conflict(err) {
		return err
	}
	return nil
}

// since reads when a webhook was first seen disabled, without recording
// anything; zero when unknown.
func (m *Manager) since(ctx context.Context, id string) (record, error) {
	rec, _, err := m.read(ctx, recordKey(id))
	return rec, err
}

// read returns a record and its revision; revision 0 means none.
func (m *Manager) read(ctx context.Context, key string) (record, uint64, error) {
	e, err := m.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return record{}, 0, nil
	}
	if err != nil {
		return record{}, 0, fmt.Errorf("read webhook record %s: %w", key, err)
	}
	var rec record
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		// A record that does not decode is treated as none, and replaced.
		return record{}, e.Revision(), nil
	}
	return rec, e.Revision(), nil
}

// write stores rec if the key is still at revision rev (0: absent).
func (m *Manager) write(ctx context.Context, key string, rec record, rev uint64) (uint64, error) {
	val, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		return m.kv.Create(ctx, key, val)
	}
	return m.kv.Update(ctx, key, val, rev)
}
