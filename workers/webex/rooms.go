package webex

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Room is a Webex room (space) as GET /rooms lists it: the fields
// webexpipe uses.
type Room struct {
	ID           string `json:"id"`
	Title        string `json:"title,omitempty"`
	Type         string `json:"type,omitempty"` // "direct" or "group"
	IsLocked     bool   `json:"isLocked,omitempty"`
	LastActivity string `json:"lastActivity,omitempty"`
	CreatorID    string `json:"creatorId,omitempty"`
	Created      string `json:"created,omitempty"`
}

// ListRoomsParams select rooms for Rooms.
type ListRoomsParams struct {
	// Type is "direct" or "group"; empty lists both.
	Type string
	// Max is how many rooms to return at most, across pages; 0 means all.
	Max int
}

// Rooms lists the rooms the token's owner (the bot) is in: GET /rooms,
// following Link rel="next" pages. On error no rooms are returned.
func (c *Client) Rooms(ctx context.Context, p ListRoomsParams) ([]Room, error) {
	switch {
	case p.Type != "" && p.Type != "direct" && p.Type != "group":
		return nil, fmt.Errorf("%w: room type %q: want direct or group", ErrInvalidRequest, p.Type)
	case p.Max < 0:
		return nil, fmt.Errorf("%w: negative max %d", ErrInvalidRequest, p.Max)
	}
	q := url.Values{"max": {"100"}}
	if p.Max > 0 {
		q.Set("max", strconv.Itoa(min(p.Max, 100)))
	}
	if p.Type != "" {
		q.Set("type", p.Type)
	}
	return list[Room](ctx, c, request{method: http.MethodGet, path: "/rooms", query: q}, p.Max)
}

// Room returns one room: GET /rooms/{id}. Webex answers 404 for a room the
// token's owner is not in.
func (c *Client) Room(ctx context.Context, id string) (*Room, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: room id is empty", ErrInvalidRequest)
	}
	var r Room
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/rooms/" + pathID(id), out: &r}); err != nil {
		return nil, err
	}
	return &r, nil
}
