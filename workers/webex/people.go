package webex

import (
	"context"
	"fmt"
	"net/http"
)

// Person is a Webex user or bot, as GET /people/{id} returns it (the fields
// webexpipe uses; Webex sends more).
type Person struct {
	ID          string   `json:"id"`
	Emails      []string `json:"emails,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	NickName    string   `json:"nickName,omitempty"`
	FirstName   string   `json:"firstName,omitempty"`
	LastName    string   `json:"lastName,omitempty"`
	Avatar      string   `json:"avatar,omitempty"`
	OrgID       string   `json:"orgId,omitempty"`
	// Type is "person", "bot" or "appuser".
	Type    string `json:"type,omitempty"`
	Created string `json:"created,omitempty"`
}

// Me returns the token's own identity: GET /people/me. Workers call it once
// to learn the bot's id and drop the bot's own messages.
func (c *Client) Me(ctx context.Context) (*Person, error) {
	var p Person
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/people/me", out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

// Person returns one person by id: GET /people/{id}.
func (c *Client) Person(ctx context.Context, id string) (*Person, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: person id is empty", ErrInvalidRequest)
	}
	var p Person
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/people/" + pathID(id), out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}
