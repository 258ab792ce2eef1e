package webexcall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
)

// Reply is what a handler answers: Markdown, and optionally a card (then
// Markdown is its fallback text for clients that cannot show cards, and
// must not be empty). The zero Reply answers nothing.
type Reply struct {
	Markdown string
	Card     *webex.Attachment
}

// Text returns a Reply of markdown. Text that came from a user must be
// escaped first (webex.EscapeMarkdown where available), or it may render
// as mentions, links or headings written by the bot.
func Text(markdown string) Reply { return Reply{Markdown: markdown} }

// Empty reports whether r answers nothing.
func (r Reply) Empty() bool { return r.Markdown == "" && r.Card == nil }

// Request builds the POST /messages of r in room, in thread parentID ("":
// none). A request Webex would refuse (too long, a card without fallback
// text) is a workers.Permanent error: sending it again cannot help.
func (r Reply) Request(room, parentID string) (*webex.MessageRequest, error) {
	req := &webex.MessageRequest{RoomID: room, ParentID: parentID, Markdown: r.Markdown}
	if r.Card != nil {
		if err := adaptive.Attach(req, *r.Card); err != nil {
			return nil, workers.Permanent(fmt.Errorf("reply: %w", err))
		}
		return req, nil
	}
	if err := req.Validate(); err != nil {
		return nil, workers.Permanent(fmt.Errorf("reply: %w", err))
	}
	return req, nil
}

// Sender is the part of a Webex client SendReply needs.
type Sender interface {
	MessageReader
	SendMessage(ctx context.Context, req *webex.MessageRequest) (*webex.Message, error)
}

// ReplyRules are what SendReply needs besides the request.
type ReplyRules struct {
	// Bot is the bot's personId: its earlier reply is a message of its.
	Bot string
	// Since bounds the look-up: the earlier reply cannot be older than the
	// message it answers (zero: no bound).
	Since time.Time
	// Recheck is how long an ambiguous POST may still be under way at
	// Webex: the event comes back after it, and a redelivery that follows
	// an attempt more recent than that waits first.
	Recheck time.Duration
	// Witness finds the bot's own messages among the stored events where
	// the room cannot be listed (group rooms); nil uses the API when it is
	// one (a *Client is).
	Witness Witness
	// Logger gets the warning of a resend nothing could vouch for; Attrs
	// name the reply in it.
	Logger *slog.Logger
	Attrs  []any
}

// SendReply posts req for the event ev and applies the rules that keep a
// redelivered event from answering twice:
//
//   - when the event was delivered before (ev.Retried, which also knows of
//     a delivery a restarted nats-server forgot), it first waits until the
//     earlier attempt's POST has surely finished, then looks for the bot's
//     identical message (LookForSent) and sends nothing if it is there; a
//     resend that nothing could vouch for is logged at WARN and counted
//     (webexpipe_webex_resends_unverified_total, when api is a *Client);
//   - a POST whose outcome is unknown (a timeout, 502 or 504: Webex may
//     have stored it) is not resent blindly: the event is retried after
//     r.Recheck (workers.RetryAfter), and that redelivery looks first.
//
// It returns the posted message, or nil and nil when the reply was found
// already posted. Other errors are classified (Classify); a Deferred error
// from a Client with an outbox passes through.
func SendReply(ctx context.Context, api Sender, ev *workers.Event, req *webex.MessageRequest, r ReplyRules) (*webex.Message, error) {
	if ev.Retried() {
		if at := ev.EarlierAttempt(); !at.IsZero() {
			if wait := r.Recheck - time.Since(at); wait > 0 {
				return nil, workers.RetryAfter(errors.New("an earlier attempt may still be under way at Webex"), wait)
			}
		}
		w := r.Witness
		if w == nil {
			w, _ = api.(Witness)
		}
		found, err := LookForSent(ctx, api, w, r.Bot, req, r.Since)
		switch {
		case err != nil:
			return nil, Classify(fmt.Errorf("look for an earlier reply: %w", err))
		case found == Sent:
			return nil, nil
		case found == Unverified:
			if c, ok := api.(interface{ UnverifiedResend() }); ok {
				c.UnverifiedResend()
			}
			if r.Logger != nil {
				r.Logger.Warn("replying again without proof that the earlier attempt did not post: the room may get two replies",
					append(r.Attrs, "delivered", ev.Delivered, "stream_seq", ev.StreamSeq)...)
			}
		}
		ctx = WithLookedFor(ctx) // a Client need not look again
	}
	sent, err := api.SendMessage(ctx, req)
	if err != nil {
		err = fmt.Errorf("send reply: %w", err)
		if webex.OutcomeUnknown(err) {
			return nil, workers.RetryAfter(err, r.Recheck)
		}
		return nil, Classify(err)
	}
	if c, ok := api.(interface{ ReplyLatency(time.Duration) }); ok {
		if d, ok := replyLatency(ev, sent, time.Now()); ok {
			c.ReplyLatency(d)
		}
	}
	return sent, nil
}

// replyLatency is the time from the event's data.created to the reply's
// created, both Webex's clock, so no clock of ours is compared with
// Webex's; without the reply's stamp, now stands in. ok is false when the
// event has no readable data.created (a backfilled or replayed event
// keeps the original's, so its reply counts its whole wait).
func replyLatency(ev *workers.Event, sent *webex.Message, now time.Time) (time.Duration, bool) {
	if ev.Envelope == nil {
		return 0, false
	}
	from, err := time.Parse(time.RFC3339Nano, ev.Envelope.Data.Created)
	if err != nil {
		return 0, false
	}
	to := now
	if sent != nil {
		if t, err := time.Parse(time.RFC3339Nano, sent.Created); err == nil {
			to = t
		}
	}
	return max(to.Sub(from), 0), true
}
