package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// Hook is a webhook as an operator sees it. It holds whether a secret is
// set, never the secret: Webex echoes secrets, and a listing must not.
type Hook struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Resource  string `json:"resource"`
	Event     string `json:"event"`
	Filter    string `json:"filter,omitempty"`
	TargetURL string `json:"target_url"`
	Status    string `json:"status"`
	Secret    bool   `json:"secret"`
	Created   string `json:"created,omitempty"`
	// Managed is true when the name carries the managed prefix.
	Managed bool `json:"managed"`
	// DisabledSince is when a managed webhook was first seen disabled (from
	// the webex_webhooks bucket); ReactivateAfter the earliest moment it
	// will be re-activated. Both zero when unknown or active.
	DisabledSince   time.Time `json:"disabled_since,omitzero"`
	ReactivateAfter time.Time `json:"reactivate_after,omitzero"`
}

// Active reports whether Webex delivers to it.
func (h Hook) Active() bool { return h.Status == "" || h.Status == "active" }

// List returns every webhook of the token, managed or not, with what the
// bucket knows of the disabled ones. It changes nothing.
func (m *Manager) List(ctx context.Context) ([]Hook, error) {
	hooks, err := m.api.Webhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out := make([]Hook, 0, len(hooks))
	for _, h := range hooks {
		v := m.view(h)
		if v.Managed && !v.Active() {
			rec, err := m.since(ctx, h.ID)
			if err != nil {
				return nil, err
			}
			if !rec.DisabledSince.IsZero() {
				v.DisabledSince = rec.DisabledSince
				v.ReactivateAfter = rec.DisabledSince.Add(m.wait(rec, m.o.Now()))
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (m *Manager) view(h webex.Webhook) Hook {
	return Hook{
		ID: h.ID, Name: h.Name, Resource: h.Resource, Event: h.Event, Filter: h.Filter,
		TargetURL: h.TargetURL, Status: h.Status, Secret: h.Secret != "", Created: h.Created,
		Managed: managed(m.o.NamePrefix, h.Name),
	}
}

// Delete deletes webhooks by id. A webhook without the managed prefix is
// refused (ErrNotManaged) unless foreign is true; an unknown id is
// ErrNoSuchWebhook. It stops at the first failure and returns what it
// deleted.
func (m *Manager) Delete(ctx context.Context, ids []string, foreign bool) ([]Hook, error) {
	hooks, err := m.api.Webhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	byID := make(map[string]webex.Webhook, len(hooks))
	for _, h := range hooks {
		byID[h.ID] = h
	}
	var done []Hook
	for _, id := range ids {
		h, ok := byID[id]
		switch {
		case !ok:
			return done, fmt.Errorf("webhook %s: %w", id, ErrNoSuchWebhook)
		case !foreign && !managed(m.o.NamePrefix, h.Name):
			return done, fmt.Errorf("webhook %s (%q): %w: its name does not start with %q", id, h.Name, ErrNotManaged, m.o.NamePrefix)
		}
		if err := m.api.DeleteWebhook(ctx, id); err != nil && !notFound(err) {
			return done, fmt.Errorf("delete webhook %s: %w", id, err)
		}
		done = append(done, m.view(h))
	}
	return done, nil
}

// DeleteManaged deletes every managed webhook (for taking a deployment
// down) and returns them.
func (m *Manager) DeleteManaged(ctx context.Context) ([]Hook, error) {
	hooks, err := m.api.Webhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	var ids []string
	for _, h := range hooks {
		if managed(m.o.NamePrefix, h.Name) {
			ids = append(ids, h.ID)
		}
	}
	return m.Delete(ctx, ids, false)
}

// notFound reports whether Webex answered 404: the webhook is gone already.
func notFound(err error) bool {
	var apiErr *webex.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == 404
}
