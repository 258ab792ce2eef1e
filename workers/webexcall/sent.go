package webexcall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// clockSkew is how much earlier than the first attempt a message may be
// stamped by Webex and still count as its result.
const clockSkew = 30 * time.Second

// recentMessages is how many of a room's newest messages AlreadySent reads.
const recentMessages = 50

// MessageLister is the part of a Webex client AlreadySent needs.
type MessageLister interface {
	ListMessages(ctx context.Context, p webex.ListMessagesParams) ([]webex.Message, error)
}

// AlreadySent reports whether the bot (botID) already posted req: whether
// one of the room's recent messages is the bot's, in the same thread, with
// the same content, created at or after since (zero: any time). It is the
// check before resending a POST /messages whose earlier outcome is unknown,
// shared by the handlers and the retry worker.
//
// It answers false, nil when it cannot look, and the caller sends: req has
// no room (a 1:1 message addressed to a person), or Webex refuses the list
// (in group rooms a bot may only list messages that mention it, so its own
// earlier reply cannot be found there). A failure to list that may pass is
// returned as an error.
func AlreadySent(ctx context.Context, l MessageLister, botID string, req *webex.MessageRequest, since time.Time) (bool, error) {
	if req.RoomID == "" {
		return false, nil
	}
	recent, err := l.ListMessages(ctx, webex.ListMessagesParams{RoomID: req.RoomID, ParentID: req.ParentID, Max: recentMessages})
	if err != nil {
		var apiErr *webex.APIError
		if errors.As(err, &apiErr) && apiErr.Permanent() {
			return false, nil
		}
		return false, err
	}
	for _, m := range recent {
		if m.PersonID == botID && m.ParentID == req.ParentID && sameContent(m, req) && createdSince(m, since) {
			return true, nil
		}
	}
	return false, nil
}

// sameContent compares what Webex stores of a request: its markdown when
// it has one (Webex derives the text from it), else its text, and the
// number of attachments and files.
func sameContent(m webex.Message, req *webex.MessageRequest) bool {
	if len(m.Attachments) != len(req.Attachments) || len(m.Files) != len(req.Files) {
		return false
	}
	if req.Markdown != "" {
		return m.Markdown == req.Markdown
	}
	return m.Text == req.Text
}

func createdSince(m webex.Message, since time.Time) bool {
	if since.IsZero() {
		return true
	}
	t, err := time.Parse(time.RFC3339Nano, m.Created)
	return err != nil || !t.Before(since) // an unreadable time does not rule a match out
}

// CheckableCall reports whether SentBefore can look for rec's effect: only
// a POST /messages can be found again.
func CheckableCall(rec *outbox.Call) bool {
	return rec.Method == http.MethodPost && rec.Path == "/messages"
}

// SentBefore reports whether the stored POST /messages rec already took
// effect: AlreadySent over the room's messages created since its first
// attempt (less a margin for clocks that disagree). For any other call it
// answers false.
func (c *Client) SentBefore(ctx context.Context, rec *outbox.Call) (bool, error) {
	if !CheckableCall(rec) {
		return false, nil
	}
	var req webex.MessageRequest
	if err := json.Unmarshal(rec.Body, &req); err != nil {
		return false, fmt.Errorf("decode stored message: %w", err)
	}
	bot, err := c.BotID(ctx)
	if err != nil {
		return false, err
	}
	since := rec.FirstAttempt
	if !since.IsZero() {
		since = since.Add(-clockSkew)
	}
	return AlreadySent(ctx, c, bot, &req, since)
}
