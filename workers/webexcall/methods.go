package webexcall

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// The methods below have the signatures of the webex client's, so that a
// worker's interface is satisfied by either. Reads go through the pause;
// writes go through the pause and, in a handler, the outbox.

// Me is webex.Client.Me (GET /people/me).
func (c *Client) Me(ctx context.Context) (p *webex.Person, err error) {
	err = c.read(ctx, "/people/me", func(ctx context.Context) (err error) { p, err = c.api.Me(ctx); return err })
	return p, err
}

// Person is webex.Client.Person (GET /people/{id}).
func (c *Client) Person(ctx context.Context, id string) (p *webex.Person, err error) {
	err = c.read(ctx, "/people/"+url.PathEscape(id), func(ctx context.Context) (err error) { p, err = c.api.Person(ctx, id); return err })
	return p, err
}

// Message is webex.Client.Message (GET /messages/{id}).
func (c *Client) Message(ctx context.Context, id string) (m *webex.Message, err error) {
	err = c.read(ctx, "/messages/"+url.PathEscape(id), func(ctx context.Context) (err error) { m, err = c.api.Message(ctx, id); return err })
	return m, err
}

// ListMessages is webex.Client.ListMessages (GET /messages).
func (c *Client) ListMessages(ctx context.Context, p webex.ListMessagesParams) (ms []webex.Message, err error) {
	err = c.read(ctx, "/messages", func(ctx context.Context) (err error) { ms, err = c.api.ListMessages(ctx, p); return err })
	return ms, err
}

// AttachmentAction is webex.Client.AttachmentAction (GET
// /attachment/actions/{id}).
func (c *Client) AttachmentAction(ctx context.Context, id string) (a *webex.AttachmentAction, err error) {
	err = c.read(ctx, "/attachment/actions/"+url.PathEscape(id), func(ctx context.Context) (err error) {
		a, err = c.api.AttachmentAction(ctx, id)
		return err
	})
	return a, err
}

// SendMessage is webex.Client.SendMessage (POST /messages). In a handler, a
// failure a later attempt may fix is stored for the retry worker and comes
// back as a workers.Deferred error; the returned message is then nil.
func (c *Client) SendMessage(ctx context.Context, req *webex.MessageRequest) (m *webex.Message, err error) {
	if err := req.Validate(); err != nil {
		return nil, err // never stored: it would fail the same way again
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("webexcall: encode message: %w", err)
	}
	err = c.write(ctx, http.MethodPost, "/messages", body, func(ctx context.Context) (err error) { m, err = c.api.SendMessage(ctx, req); return err })
	return m, err
}

// DeleteMessage is webex.Client.DeleteMessage (DELETE /messages/{id}), a
// write like SendMessage.
func (c *Client) DeleteMessage(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("%w: message id is empty", webex.ErrInvalidRequest)
	}
	return c.write(ctx, http.MethodDelete, "/messages/"+url.PathEscape(id), nil, func(ctx context.Context) error { return c.api.DeleteMessage(ctx, id) })
}
