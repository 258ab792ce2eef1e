package webex

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// MaxTextBytes is the most Webex accepts in a message's text, and separately
// in its markdown.
const MaxTextBytes = 7439

// Paging defaults of ListMessages.
const (
	DefaultListMax = 50
	// listPageSize is the most asked for in one page; Webex refuses more
	// than 100 when mentionedPeople is set.
	listPageSize = 100
)

// Message is a Webex message as GET /messages/{id} returns it. ToPersonID
// and ToPersonEmail are only set in the answer to a direct SendMessage.
type Message struct {
	ID              string       `json:"id"`
	RoomID          string       `json:"roomId,omitempty"`
	RoomType        string       `json:"roomType,omitempty"` // "direct" or "group"
	ParentID        string       `json:"parentId,omitempty"` // the thread's first message
	ToPersonID      string       `json:"toPersonId,omitempty"`
	ToPersonEmail   string       `json:"toPersonEmail,omitempty"`
	Text            string       `json:"text,omitempty"`
	Markdown        string       `json:"markdown,omitempty"`
	HTML            string       `json:"html,omitempty"`
	Files           []string     `json:"files,omitempty"`
	Attachments     []Attachment `json:"attachments,omitempty"`
	PersonID        string       `json:"personId,omitempty"` // the author
	PersonEmail     string       `json:"personEmail,omitempty"`
	MentionedPeople []string     `json:"mentionedPeople,omitempty"`
	MentionedGroups []string     `json:"mentionedGroups,omitempty"`
	Created         string       `json:"created,omitempty"`
	Updated         string       `json:"updated,omitempty"` // set once the message was edited
}

// MessageRequest is the body of POST /messages. It needs a destination
// (RoomID, or ToPersonID/ToPersonEmail for a 1:1 message) and content.
type MessageRequest struct {
	RoomID        string   `json:"roomId,omitempty"`
	ParentID      string   `json:"parentId,omitempty"` // reply in this thread
	ToPersonID    string   `json:"toPersonId,omitempty"`
	ToPersonEmail string   `json:"toPersonEmail,omitempty"`
	Text          string   `json:"text,omitempty"`     // at most MaxTextBytes
	Markdown      string   `json:"markdown,omitempty"` // at most MaxTextBytes
	Files         []string `json:"files,omitempty"`    // public URLs; at most one
	// Attachments holds at most one card. Send Text or Markdown with it
	// for clients that cannot render cards.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Validate checks what Webex would refuse: no destination, no content, text
// or markdown over MaxTextBytes, more than one file or attachment. The error
// wraps ErrInvalidRequest.
func (r *MessageRequest) Validate() error {
	switch {
	case r == nil:
		return fmt.Errorf("%w: message request is nil", ErrInvalidRequest)
	case r.RoomID == "" && r.ToPersonID == "" && r.ToPersonEmail == "":
		return fmt.Errorf("%w: message needs roomId, toPersonId or toPersonEmail", ErrInvalidRequest)
	case r.Text == "" && r.Markdown == "" && len(r.Files) == 0 && len(r.Attachments) == 0:
		return fmt.Errorf("%w: message needs text, markdown, a file or an attachment", ErrInvalidRequest)
	case len(r.Text) > MaxTextBytes:
		return fmt.Errorf("%w: text is %d bytes, more than %d", ErrInvalidRequest, len(r.Text), MaxTextBytes)
	case len(r.Markdown) > MaxTextBytes:
		return fmt.Errorf("%w: markdown is %d bytes, more than %d", ErrInvalidRequest, len(r.Markdown), MaxTextBytes)
	case len(r.Files) > 1:
		return fmt.Errorf("%w: %d files, at most one is allowed", ErrInvalidRequest, len(r.Files))
	case len(r.Attachments) > 1:
		return fmt.Errorf("%w: %d attachments, at most one is allowed", ErrInvalidRequest, len(r.Attachments))
	}
	return nil
}

// SendMessage posts a message: POST /messages. An invalid request (see
// Validate) is refused without calling Webex.
//
// Webex has no idempotency key: when OutcomeUnknown(err) is true the message
// may have been posted, and sending again may post it twice.
func (c *Client) SendMessage(ctx context.Context, req *MessageRequest) (*Message, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	var m Message
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/messages", body: req, out: &m}); err != nil {
		return nil, err
	}
	return &m, nil
}

// Message returns one message with its content: GET /messages/{id}. Webhooks
// announce messages without their text, so handlers fetch it here.
func (c *Client) Message(ctx context.Context, id string) (*Message, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: message id is empty", ErrInvalidRequest)
	}
	var m Message
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/messages/" + pathID(id), out: &m}); err != nil {
		return nil, err
	}
	return &m, nil
}

// DeleteMessage deletes one message: DELETE /messages/{id}.
func (c *Client) DeleteMessage(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("%w: message id is empty", ErrInvalidRequest)
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/messages/" + pathID(id)})
	return err
}

// ListMessagesParams selects messages of one room for ListMessages.
type ListMessagesParams struct {
	RoomID   string // required
	ParentID string // only replies in this thread
	// MentionedPeople is "me" (or the bot's own id) to list only messages
	// mentioning the bot. Bots must set it in group rooms.
	MentionedPeople string
	Before          string // only messages created before this time (ISO 8601)
	BeforeMessage   string // only messages older than this message id
	// Max is how many messages to return at most, across pages; 0 means
	// DefaultListMax.
	Max int
}

// ListMessages returns messages of a room, newest first: GET /messages,
// following Link rel="next" pages until p.Max messages were collected or no
// page is left. Each page is one request bounded by Config.Timeout; ctx
// bounds the whole. On error no messages are returned.
func (c *Client) ListMessages(ctx context.Context, p ListMessagesParams) ([]Message, error) {
	switch {
	case p.RoomID == "":
		return nil, fmt.Errorf("%w: listing messages needs roomId", ErrInvalidRequest)
	case p.Max < 0:
		return nil, fmt.Errorf("%w: negative max %d", ErrInvalidRequest, p.Max)
	}
	limit := p.Max
	if limit == 0 {
		limit = DefaultListMax
	}
	q := url.Values{"roomId": {p.RoomID}, "max": {strconv.Itoa(min(limit, listPageSize))}}
	for name, v := range map[string]string{
		"parentId":        p.ParentID,
		"mentionedPeople": p.MentionedPeople,
		"before":          p.Before,
		"beforeMessage":   p.BeforeMessage,
	} {
		if v != "" {
			q.Set(name, v)
		}
	}
	return list[Message](ctx, c, request{method: http.MethodGet, path: "/messages", query: q}, limit)
}
