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

// recentMessages is how many of a room's newest messages LookForSent reads.
const recentMessages = 50

// MessageReader is the part of a Webex client LookForSent needs.
type MessageReader interface {
	ListMessages(ctx context.Context, p webex.ListMessagesParams) ([]webex.Message, error)
	Message(ctx context.Context, id string) (*webex.Message, error)
}

// Evidence is what LookForSent found.
type Evidence int

const (
	// NotSent: the room was listed and the message is not among its
	// recent ones. Sending it again is safe.
	NotSent Evidence = iota
	// Sent: the message is in the room; do not send it again.
	Sent
	// Unverified: nothing could show whether it was sent (no room to
	// list, a group room the bot may not list and no stored event of the
	// bot's message). Sending again may post it twice: the caller logs a
	// warning and counts it.
	Unverified
)

func (e Evidence) String() string {
	switch e {
	case Sent:
		return "sent"
	case Unverified:
		return "unverified"
	}
	return "not sent"
}

// LookForSent looks for req among the bot's (botID) messages created at or
// after since (zero: any time): one in the same thread with the same
// content. It is the check before resending a POST /messages whose earlier
// outcome is unknown, shared by the handlers and the retry worker.
//
// It lists the room's recent messages first. Where Webex refuses that (a
// group room: a bot may only list messages that mention it), it asks w (may
// be nil) for the bot's messages whose webhooks were stored, and reads each.
// A failure that may pass (listing, reading, the witness) is returned as
// an error.
func LookForSent(ctx context.Context, api MessageReader, w Witness, botID string, req *webex.MessageRequest, since time.Time) (Evidence, error) {
	if req.RoomID == "" {
		return Unverified, nil // a message addressed to a person: no room to look in
	}
	found, err := lookInRoom(ctx, api, botID, req, since)
	if err == nil {
		return found, nil
	}
	var apiErr *webex.APIError
	if !errors.As(err, &apiErr) || !apiErr.Permanent() {
		return NotSent, err
	}
	if w == nil {
		return Unverified, nil
	}
	ids, err := w.BotMessages(ctx, botID, req.RoomID, since)
	if err != nil {
		return NotSent, err
	}
	for _, id := range ids {
		m, err := api.Message(ctx, id)
		if errors.As(err, &apiErr) && apiErr.Permanent() {
			continue // deleted since, or not the bot's to read
		}
		if err != nil {
			return NotSent, fmt.Errorf("read the bot's message %s: %w", id, err)
		}
		if isCopy(*m, botID, req, since) {
			return Sent, nil
		}
	}
	// Not seen, which proves nothing: the webhook of a message posted a
	// moment ago may not be stored yet, and a bot without a messages
	// webhook never gets one.
	return Unverified, nil
}

// lookBack is the most messages lookInRoom reads to reach back to since: a
// busy room may bury an earlier reply under many newer messages by the time
// it is looked for.
const lookBack = 1000

// lookInRoom lists the room newest first, a page at a time, until it finds
// req, reaches messages older than since (less clockSkew), or has read
// lookBack messages without getting there: then nothing is proved, and
// the answer is Unverified. Without since it reads one page. The first
// page's error is returned as is (a group room refuses the list).
func lookInRoom(ctx context.Context, api MessageReader, botID string, req *webex.MessageRequest, since time.Time) (Evidence, error) {
	before := ""
	for read := 0; ; {
		page, err := api.ListMessages(ctx, webex.ListMessagesParams{RoomID: req.RoomID, ParentID: req.ParentID, BeforeMessage: before, Max: recentMessages})
		if err != nil {
			if read > 0 {
				return NotSent, fmt.Errorf("list older messages: %w", err) // retried: never NotSent unproved
			}
			return NotSent, err
		}
		for _, m := range page {
			if isCopy(m, botID, req, since) {
				return Sent, nil
			}
		}
		read += len(page)
		switch {
		case len(page) < recentMessages || since.IsZero() || olderThan(page[len(page)-1], since.Add(-clockSkew)):
			return NotSent, nil
		case read >= lookBack:
			return Unverified, nil
		}
		before = page[len(page)-1].ID
	}
}

// olderThan reports whether m was created before t; an unreadable time
// is not older.
func olderThan(m webex.Message, t time.Time) bool {
	c, err := time.Parse(time.RFC3339Nano, m.Created)
	return err == nil && c.Before(t)
}

// isCopy reports whether m is req as the bot posted it since since.
func isCopy(m webex.Message, botID string, req *webex.MessageRequest, since time.Time) bool {
	return m.PersonID == botID && m.ParentID == req.ParentID && sameContent(m, req) && createdSince(m, since)
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

// SentBefore looks for the effect of the stored POST /messages rec: see
// LookForSent, over the messages created since its first attempt (less a
// margin for clocks that disagree), with the client's Witness. For any
// other call it answers Unverified.
func (c *Client) SentBefore(ctx context.Context, rec *outbox.Call) (Evidence, error) {
	if !CheckableCall(rec) {
		return Unverified, nil
	}
	var req webex.MessageRequest
	if err := json.Unmarshal(rec.Body, &req); err != nil {
		return NotSent, fmt.Errorf("decode stored message: %w", err)
	}
	bot, err := c.BotID(ctx)
	if err != nil {
		return NotSent, err
	}
	since := rec.FirstAttempt
	if !since.IsZero() {
		since = since.Add(-clockSkew)
	}
	if rec.Event != nil {
		ctx = WithStoredEvent(ctx, rec.Event.Stream, rec.Event.Subject, req.RoomID)
	}
	return LookForSent(ctx, c, c.witness, bot, &req, since)
}
