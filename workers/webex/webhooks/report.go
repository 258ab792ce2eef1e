package webhooks

import (
	"fmt"
	"strings"
	"time"
)

// Kind is what Ensure did, or found, for one webhook.
type Kind string

// Kinds of Action.
const (
	// KindOK: the webhook was already as wanted.
	KindOK Kind = "ok"
	// KindCreated: a missing webhook was created.
	KindCreated Kind = "created"
	// KindUpdated: its name, target or secret was fixed (Detail says which).
	KindUpdated Kind = "updated"
	// KindReactivated: a disabled webhook was re-activated.
	KindReactivated Kind = "reactivated"
	// KindWaiting: a disabled webhook waits for its re-activation (At).
	KindWaiting Kind = "waiting"
	// KindReplaced: a webhook with another filter was deleted and created
	// again (Webex cannot change a filter).
	KindReplaced Kind = "replaced"
	// KindDeleted: a duplicate, or with Spec.Prune a webhook no longer
	// wanted, was deleted.
	KindDeleted Kind = "deleted"
	// KindExtra: a managed webhook no longer wanted was kept (no Prune).
	KindExtra Kind = "extra"
)

// Action is one line of a Report. It never holds a secret.
type Action struct {
	Kind      Kind   `json:"kind"`
	WebhookID string `json:"webhook_id"`
	Name      string `json:"name"`
	Resource  string `json:"resource"`
	Event     string `json:"event"`
	// Status is the webhook's status on Webex after the action: "active" or
	// "disabled"; empty for a deleted webhook.
	Status string `json:"status,omitempty"`
	// Detail says what changed or why, e.g. "target, secret".
	Detail string `json:"detail,omitempty"`
	// Since is when a disabled webhook was first seen disabled; At, for
	// KindWaiting, the earliest moment it will be re-activated.
	Since time.Time `json:"since,omitzero"`
	At    time.Time `json:"at,omitzero"`
}

// Report is what an Ensure did: one Action per desired webhook (and per
// duplicate or extra one), and how many webhooks were left alone because
// they are not managed; in a watchdog round, also what is still missing.
type Report struct {
	Actions []Action `json:"actions"`
	Foreign int      `json:"foreign"`
	// Missing, in a watchdog round, are the wanted webhooks (WatchOptions.
	// Want) that no active webhook delivers after the round's changes.
	Missing []Gap `json:"missing,omitempty"`
}

// Changed reports whether anything on Webex was changed.
func (r *Report) Changed() bool {
	for _, a := range r.Actions {
		switch a.Kind {
		case KindOK, KindExtra:
		case KindWaiting:
			if a.Detail != "" { // its target, secret or name was fixed
				return true
			}
		default:
			return true
		}
	}
	return false
}

// Count returns how many actions are of kind k.
func (r *Report) Count(k Kind) int {
	n := 0
	for _, a := range r.Actions {
		if a.Kind == k {
			n++
		}
	}
	return n
}

// Disabled returns the actions of the wanted webhooks that are still
// disabled (KindWaiting). The managed set is not what was asked for while
// any is: Changed may be false and yet events are being lost.
func (r *Report) Disabled() []Action {
	var out []Action
	for _, a := range r.Actions {
		if a.Kind == KindWaiting {
			out = append(out, a)
		}
	}
	return out
}

// Err returns nil when no wanted webhook is left disabled, or an error
// matching ErrStillDisabled that names them and when each may be
// re-activated.
func (r *Report) Err() error {
	off := r.Disabled()
	if len(off) == 0 {
		return nil
	}
	parts := make([]string, len(off))
	for i, a := range off {
		parts[i] = fmt.Sprintf("%s (%s) until %s at least", a.Name, a.WebhookID, a.At.UTC().Format(time.RFC3339))
	}
	return fmt.Errorf("%w: %s", ErrStillDisabled, strings.Join(parts, "; "))
}
