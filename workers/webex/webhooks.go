package webex

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
)

// Webhook is a webhook registration, as Webex returns it. Webex echoes the
// secret: a Webhook prints (String) and logs (LogValue) without it, but
// encoding it as JSON keeps it.
type Webhook struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	TargetURL string `json:"targetUrl,omitempty"`
	Resource  string `json:"resource,omitempty"`
	Event     string `json:"event,omitempty"`
	Filter    string `json:"filter,omitempty"`
	Secret    string `json:"secret,omitempty"`
	Status    string `json:"status,omitempty"` // "active" or "disabled"
	Created   string `json:"created,omitempty"`
	// OrgID, CreatedBy and AppID are sent by Webex (and repeated in every
	// delivery) although its OpenAPI description does not list them.
	OrgID     string `json:"orgId,omitempty"`
	CreatedBy string `json:"createdBy,omitempty"`
	AppID     string `json:"appId,omitempty"`
	OwnedBy   string `json:"ownedBy,omitempty"` // "creator" or "org"
}

func (w Webhook) String() string {
	return fmt.Sprintf("webex.Webhook{ID: %q, Name: %q, TargetURL: %q, Resource: %q, Event: %q, Filter: %q, Secret: %s, Status: %q}",
		w.ID, w.Name, w.TargetURL, w.Resource, w.Event, w.Filter, maskSecret(w.Secret), w.Status)
}

// GoString is String, so that %#v does not print the secret either.
func (w Webhook) GoString() string { return w.String() }

func (w Webhook) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", w.ID), slog.String("name", w.Name),
		slog.String("target_url", w.TargetURL),
		slog.String("resource", w.Resource), slog.String("event", w.Event),
		slog.String("filter", w.Filter), slog.String("secret", maskSecret(w.Secret)),
		slog.String("status", w.Status),
	)
}

// WebhookRequest is the body of POST /webhooks. Name, TargetURL, Resource
// and Event are required; Resource and Event may be "all".
type WebhookRequest struct {
	Name      string `json:"name"`
	TargetURL string `json:"targetUrl"`
	Resource  string `json:"resource"`
	Event     string `json:"event"`
	// Filter narrows deliveries, e.g. "roomId=...&mentionedPeople=me".
	Filter string `json:"filter,omitempty"`
	// Secret, when set, makes Webex sign every delivery (X-Spark-Signature).
	Secret  string `json:"secret,omitempty"`
	OwnedBy string `json:"ownedBy,omitempty"` // "org" for org-wide webhooks
}

func (r WebhookRequest) String() string {
	return fmt.Sprintf("webex.WebhookRequest{Name: %q, TargetURL: %q, Resource: %q, Event: %q, Filter: %q, Secret: %s}",
		r.Name, r.TargetURL, r.Resource, r.Event, r.Filter, maskSecret(r.Secret))
}

// GoString is String, so that %#v does not print the secret either.
func (r WebhookRequest) GoString() string { return r.String() }

// WebhookUpdate is the body of PUT /webhooks/{id}; Webex changes only these
// fields. Name and TargetURL are required. Status "active" re-enables a
// disabled webhook.
type WebhookUpdate struct {
	Name      string `json:"name"`
	TargetURL string `json:"targetUrl"`
	Secret    string `json:"secret,omitempty"`
	OwnedBy   string `json:"ownedBy,omitempty"`
	Status    string `json:"status,omitempty"`
}

func (u WebhookUpdate) String() string {
	return fmt.Sprintf("webex.WebhookUpdate{Name: %q, TargetURL: %q, Secret: %s, Status: %q}",
		u.Name, u.TargetURL, maskSecret(u.Secret), u.Status)
}

// GoString is String, so that %#v does not print the secret either.
func (u WebhookUpdate) GoString() string { return u.String() }

// Webhooks lists every webhook of the token, following all pages.
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	return list[Webhook](ctx, c, request{method: http.MethodGet, path: "/webhooks"}, 0)
}

// Webhook returns one webhook registration.
func (c *Client) Webhook(ctx context.Context, id string) (*Webhook, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: webhook id is empty", ErrInvalidRequest)
	}
	var w Webhook
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/webhooks/" + pathID(id), out: &w}); err != nil {
		return nil, err
	}
	return &w, nil
}

// CreateWebhook registers a webhook. A request missing a required field is
// refused without calling Webex. Like SendMessage, a POST whose outcome is
// unknown may have created the webhook: list before creating again.
func (c *Client) CreateWebhook(ctx context.Context, r WebhookRequest) (*Webhook, error) {
	for _, f := range []struct{ name, v string }{
		{"name", r.Name}, {"targetUrl", r.TargetURL}, {"resource", r.Resource}, {"event", r.Event},
	} {
		if f.v == "" {
			return nil, fmt.Errorf("%w: webhook needs %s", ErrInvalidRequest, f.name)
		}
	}
	var w Webhook
	rq := request{method: http.MethodPost, path: "/webhooks", body: r, out: &w, secrets: []string{r.Secret}}
	if _, err := c.do(ctx, rq); err != nil {
		return nil, err
	}
	return &w, nil
}

// UpdateWebhook changes a webhook's name, target URL, secret or status.
func (c *Client) UpdateWebhook(ctx context.Context, id string, u WebhookUpdate) (*Webhook, error) {
	switch {
	case id == "":
		return nil, fmt.Errorf("%w: webhook id is empty", ErrInvalidRequest)
	case u.Name == "":
		return nil, fmt.Errorf("%w: webhook update needs name", ErrInvalidRequest)
	case u.TargetURL == "":
		return nil, fmt.Errorf("%w: webhook update needs targetUrl", ErrInvalidRequest)
	}
	var w Webhook
	rq := request{method: http.MethodPut, path: "/webhooks/" + pathID(id), body: u, out: &w, secrets: []string{u.Secret}}
	if _, err := c.do(ctx, rq); err != nil {
		return nil, err
	}
	return &w, nil
}

// DeleteWebhook removes a webhook registration; Webex answers 204.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("%w: webhook id is empty", ErrInvalidRequest)
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/webhooks/" + pathID(id)})
	return err
}
