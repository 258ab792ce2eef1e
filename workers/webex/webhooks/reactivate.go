package webhooks

import (
	"context"
	"fmt"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// Reactivate re-activates the managed webhooks that are disabled and have
// waited long enough, under the lock, without needing the desired set: it
// is what the watchdog does where the target and secret are not known (in
// ingest). Active ones are reported KindOK, the others KindReactivated or
// KindWaiting.
func (m *Manager) Reactivate(ctx context.Context) (*Report, error) {
	unlock, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	hooks, err := m.api.Webhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	rep := &Report{}
	for _, h := range hooks {
		if !managed(m.o.NamePrefix, h.Name) {
			rep.Foreign++
			continue
		}
		a := Action{Kind: KindOK, WebhookID: h.ID, Name: h.Name, Resource: h.Resource, Event: h.Event, Status: "active"}
		if active(h) {
			if err := m.seenActive(ctx, h); err != nil {
				m.o.Logger.Warn("clearing a webhook's disabled mark failed", "webhook_id", h.ID, "err", err)
			}
			m.note(rep, a)
			continue
		}
		v, err := m.judge(ctx, h.ID)
		if err != nil {
			return rep, err
		}
		a.Since = v.since
		if !v.now {
			a.Kind, a.At, a.Status = KindWaiting, v.after, h.Status
			m.note(rep, a)
			continue
		}
		// Name and target are required by PUT; they are sent unchanged.
		if _, err := m.api.UpdateWebhook(ctx, h.ID, updateStatus(h)); err != nil {
			return rep, fmt.Errorf("re-activate webhook %s (%s): %w", h.Name, h.ID, err)
		}
		m.reactivated(ctx, h, v)
		a.Kind = KindReactivated
		m.note(rep, a)
	}
	return rep, nil
}

// updateStatus is the PUT body that re-activates h and changes nothing
// else: the secret is omitted, which Webex reads as "keep it".
func updateStatus(h webex.Webhook) webex.WebhookUpdate {
	return webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "active"}
}
