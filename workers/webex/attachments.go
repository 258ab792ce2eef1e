package webex

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// AdaptiveCardContentType is the only attachment content type Webex renders.
const AdaptiveCardContentType = "application/vnd.microsoft.card.adaptive"

// Attachment is a card attached to a message. Content is the card itself,
// e.g. {"type": "AdaptiveCard", "version": "1.3", "body": [...]}, kept as
// raw JSON so that no field of it is lost.
type Attachment struct {
	ContentType string          `json:"contentType"`
	Content     json.RawMessage `json:"content"`
}

// AttachmentAction is a user's submission of a card: GET
// /attachment/actions/{id}. The webhook only announces it; Inputs must be
// fetched.
type AttachmentAction struct {
	ID        string `json:"id"`
	Type      string `json:"type,omitempty"`      // "submit"
	MessageID string `json:"messageId,omitempty"` // the message carrying the card
	// Inputs holds the card's input values by input id.
	Inputs   map[string]any `json:"inputs,omitempty"`
	PersonID string         `json:"personId,omitempty"`
	RoomID   string         `json:"roomId,omitempty"`
	Created  string         `json:"created,omitempty"`
}

// AttachmentAction returns one card submission with its inputs.
func (c *Client) AttachmentAction(ctx context.Context, id string) (*AttachmentAction, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: attachment action id is empty", ErrInvalidRequest)
	}
	var a AttachmentAction
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/attachment/actions/" + pathID(id), out: &a}); err != nil {
		return nil, err
	}
	return &a, nil
}
