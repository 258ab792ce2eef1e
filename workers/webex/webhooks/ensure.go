package webhooks

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// Ensure makes the managed webhooks on Webex match spec, under the lock
// (see the package doc), and reports what it did. For each resource/event
// of spec it keeps one managed webhook: it creates one when none exists,
// replaces one with another filter, fixes its name, target and secret, and
// re-activates it when disabled for long enough; further managed webhooks
// for the same pair are duplicates and are deleted. Webhooks without the
// name prefix are never changed.
//
// It stops at the first Webex error, returning the report so far.
func (m *Manager) Ensure(ctx context.Context, spec Spec) (*Report, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
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
	mine := map[events.ResourceEvent][]webex.Webhook{}
	for _, h := range hooks {
		if !managed(m.o.NamePrefix, h.Name) {
			rep.Foreign++
			continue
		}
		re := events.ResourceEvent{Resource: h.Resource, Event: h.Event}
		mine[re] = append(mine[re], h)
	}
	for _, re := range spec.Events {
		if err := m.ensureOne(ctx, spec, re, mine[re], rep); err != nil {
			return rep, err
		}
		delete(mine, re)
	}
	for _, re := range sortedKeys(mine) {
		for _, h := range mine[re] {
			if err := m.extra(ctx, spec, h, rep); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// ensureOne brings the managed webhooks of one pair to exactly one as wanted.
func (m *Manager) ensureOne(ctx context.Context, spec Spec, re events.ResourceEvent, have []webex.Webhook, rep *Report) error {
	want := name(m.o.NamePrefix, re)
	var keep *webex.Webhook
	var replaced []webex.Webhook
	for _, h := range rank(have, spec) {
		switch {
		case h.Filter != spec.Filter:
			replaced = append(replaced, h)
		case keep == nil:
			keep = &h
		default:
			if err := m.remove(ctx, h, "duplicate of "+keep.ID, rep); err != nil {
				return err
			}
		}
	}
	if keep == nil {
		created, err := m.api.CreateWebhook(ctx, webex.WebhookRequest{
			Name: want, TargetURL: spec.TargetURL, Resource: re.Resource, Event: re.Event,
			Filter: spec.Filter, Secret: spec.Secret,
		})
		if err != nil {
			return fmt.Errorf("create webhook %s: %w", want, err)
		}
		kind := KindCreated
		if len(replaced) > 0 {
			kind = KindReplaced
		}
		m.note(rep, Action{Kind: kind, WebhookID: created.ID, Name: want, Resource: re.Resource, Event: re.Event, Status: "active"})
		for _, h := range replaced {
			if err := m.remove(ctx, h, "filter "+quote(h.Filter)+" replaced by "+quote(spec.Filter), rep); err != nil {
				return err
			}
		}
		return nil
	}
	for _, h := range replaced {
		if err := m.remove(ctx, h, "filter "+quote(h.Filter)+"; "+keep.ID+" has the wanted one", rep); err != nil {
			return err
		}
	}
	return m.fix(ctx, spec, want, *keep, rep)
}

// fix updates one kept webhook: name, target and secret, and its status
// when the five-minute rule allows.
func (m *Manager) fix(ctx context.Context, spec Spec, want string, h webex.Webhook, rep *Report) error {
	a := Action{Kind: KindOK, WebhookID: h.ID, Name: want, Resource: h.Resource, Event: h.Event, Status: "active"}
	u := webex.WebhookUpdate{Name: want, TargetURL: spec.TargetURL}
	var changed []string
	if h.Name != want {
		changed = append(changed, "name")
	}
	if h.TargetURL != spec.TargetURL {
		changed = append(changed, "target")
	}
	if spec.Secret != "" && h.Secret != spec.Secret {
		u.Secret = spec.Secret
		changed = append(changed, "secret")
	}
	var v verdict
	if active(h) {
		if err := m.seenActive(ctx, h); err != nil {
			m.o.Logger.Warn("clearing a webhook's disabled mark failed", "webhook_id", h.ID, "err", err)
		}
	} else {
		var err error
		if v, err = m.judge(ctx, h.ID); err != nil {
			return err
		}
		a.Since = v.since
		if v.now {
			u.Status = "active"
		} else {
			a.Kind, a.At, a.Status = KindWaiting, v.after, statusOf(h)
		}
	}
	fixed := strings.Join(changed, ", ")
	switch {
	case u.Status == "active" && fixed != "":
		a.Kind, a.Detail = KindReactivated, "also fixed "+fixed
	case u.Status == "active":
		a.Kind = KindReactivated
	case a.Kind == KindWaiting && fixed != "":
		a.Detail = "fixed " + fixed + "; still disabled"
	case fixed != "":
		a.Kind, a.Detail = KindUpdated, fixed
	}
	if fixed != "" || u.Status != "" {
		if _, err := m.api.UpdateWebhook(ctx, h.ID, u); err != nil {
			return fmt.Errorf("update webhook %s (%s): %w", want, h.ID, err)
		}
		if u.Status == "active" {
			m.reactivated(ctx, h, v)
		}
	}
	m.note(rep, a)
	return nil
}

// extra handles a managed webhook for a pair spec does not want.
func (m *Manager) extra(ctx context.Context, spec Spec, h webex.Webhook, rep *Report) error {
	if spec.Prune {
		return m.remove(ctx, h, "not wanted", rep)
	}
	m.note(rep, Action{Kind: KindExtra, WebhookID: h.ID, Name: h.Name, Resource: h.Resource, Event: h.Event,
		Status: statusOf(h), Detail: "not wanted; kept (prune deletes it)"})
	return nil
}

func (m *Manager) remove(ctx context.Context, h webex.Webhook, why string, rep *Report) error {
	if err := m.api.DeleteWebhook(ctx, h.ID); err != nil && !notFound(err) {
		return fmt.Errorf("delete webhook %s (%s): %w", h.Name, h.ID, err)
	}
	m.note(rep, Action{Kind: KindDeleted, WebhookID: h.ID, Name: h.Name, Resource: h.Resource, Event: h.Event, Detail: why})
	return nil
}

// note adds a to the report and logs a change.
func (m *Manager) note(rep *Report, a Action) {
	rep.Actions = append(rep.Actions, a)
	if a.Kind == KindOK {
		return
	}
	m.o.Logger.Info("webhook "+string(a.Kind), "webhook_id", a.WebhookID, "name", a.Name,
		"resource", a.Resource, "event", a.Event, "detail", a.Detail)
}

// rank orders the webhooks of one pair best first: with the wanted filter,
// active, with the wanted target, then the oldest. The first one is kept.
func rank(have []webex.Webhook, spec Spec) []webex.Webhook {
	out := slices.Clone(have)
	score := func(h webex.Webhook) int {
		s := 0
		if h.Filter == spec.Filter {
			s += 4
		}
		if active(h) {
			s += 2
		}
		if h.TargetURL == spec.TargetURL {
			s++
		}
		return s
	}
	slices.SortStableFunc(out, func(a, b webex.Webhook) int {
		if c := cmp.Compare(score(b), score(a)); c != 0 {
			return c
		}
		return cmp.Compare(a.Created, b.Created)
	})
	return out
}

func sortedKeys(m map[events.ResourceEvent][]webex.Webhook) []events.ResourceEvent {
	keys := make([]events.ResourceEvent, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b events.ResourceEvent) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Event, b.Event))
	})
	return keys
}

// statusOf is h's status, with Webex's omitted status read as active.
func statusOf(h webex.Webhook) string {
	if active(h) {
		return "active"
	}
	return h.Status
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
