package webhooks

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// DefaultNamePrefix starts the name of every webhook webexpipe manages.
const DefaultNamePrefix = "webexpipe"

// WebexAPI is the part of the Webex client this package calls;
// *webex.Client is one.
type WebexAPI interface {
	Webhooks(ctx context.Context) ([]webex.Webhook, error)
	CreateWebhook(ctx context.Context, r webex.WebhookRequest) (*webex.Webhook, error)
	UpdateWebhook(ctx context.Context, id string, u webex.WebhookUpdate) (*webex.Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
}

// Spec is the desired set of webhooks.
type Spec struct {
	// TargetURL is where Webex delivers: ingest's public URL.
	TargetURL string
	// Secret signs the deliveries. Required unless Unsigned.
	Secret string
	// Unsigned allows webhooks without a secret, for an ingest that skips
	// the signature check (development only). An existing secret is then
	// left as it is: Webex cannot remove one.
	Unsigned bool
	// Events are the resource/event pairs, one webhook each; "all" is
	// allowed for either.
	Events []events.ResourceEvent
	// Filter, when set, is given to every webhook (e.g. "roomType=direct").
	// Webex cannot change a webhook's filter: one with another filter is
	// replaced.
	Filter string
	// Prune deletes managed webhooks for pairs not in Events; without it
	// they are reported and kept.
	Prune bool
}

// Validate reports the first problem; the error wraps ErrInvalidSpec.
func (s Spec) Validate() error {
	u, err := url.Parse(s.TargetURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%w: target URL must be an absolute http or https URL", ErrInvalidSpec)
	case s.Secret == "" && !s.Unsigned:
		return fmt.Errorf("%w: no secret: ingest refuses unsigned deliveries (set the secret, or allow unsigned webhooks for an insecure ingest)", ErrInvalidSpec)
	case len(s.Events) == 0:
		return fmt.Errorf("%w: no resources", ErrInvalidSpec)
	}
	seen := map[events.ResourceEvent]bool{}
	for _, re := range s.Events {
		for _, tok := range []string{re.Resource, re.Event} {
			if tok != "all" && !events.ValidToken(tok) {
				return fmt.Errorf("%w: resource/event %q/%q", ErrInvalidSpec, re.Resource, re.Event)
			}
		}
		if seen[re] {
			return fmt.Errorf("%w: %s/%s given twice", ErrInvalidSpec, re.Resource, re.Event)
		}
		seen[re] = true
	}
	return nil
}

// ParseEvents reads a list such as "messages,attachmentActions/created,
// memberships/all" (see events.ParseResourceEvents); its errors wrap
// ErrInvalidSpec.
func ParseEvents(items []string) ([]events.ResourceEvent, error) {
	res, err := events.ParseResourceEvents(items)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	return res, nil
}

// name is the name of the managed webhook for re: "<prefix> <resource>/<event>".
func name(prefix string, re events.ResourceEvent) string {
	return prefix + " " + re.Resource + "/" + re.Event
}

// managed reports whether a webhook name carries the prefix: the prefix
// alone, or the prefix and a space. "webexpipe-dev x" is not managed under
// "webexpipe".
func managed(prefix, name string) bool {
	return name == prefix || strings.HasPrefix(name, prefix+" ")
}

// active reports whether Webex delivers to a webhook. Webex omits the
// status in some answers; no status is taken as active.
func active(h webex.Webhook) bool { return h.Status == "" || h.Status == "active" }
