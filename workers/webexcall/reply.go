package webexcall

import (
	"context"
	"fmt"
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
	MessageLister
	SendMessage(ctx context.Context, req *webex.MessageRequest) (*webex.Message, error)
}

// SendReply posts req for the event ev and applies the rules that keep a
// redelivered event from answering twice:
//
//   - on a redelivery (ev.Delivered > 1) it first looks for the bot's
//     (bot) identical message in the room created at or after since, and
//     sends nothing if it is there (AlreadySent): an earlier delivery may
//     have posted it and died before its marker was written;
//   - a POST whose outcome is unknown (a timeout, 502 or 504: Webex may
//     have stored it) is not resent blindly: the event is retried after
//     recheck (workers.RetryAfter), and that redelivery looks first.
//
// It returns the posted message, or nil and nil when the reply was found
// already posted. Other errors are classified (Classify); a Deferred error
// from a Client with an outbox passes through.
func SendReply(ctx context.Context, api Sender, ev *workers.Event, bot string, req *webex.MessageRequest, since time.Time, recheck time.Duration) (*webex.Message, error) {
	if ev.Delivered > 1 {
		done, err := AlreadySent(ctx, api, bot, req, since)
		if err != nil {
			return nil, Classify(fmt.Errorf("look for an earlier reply: %w", err))
		}
		if done {
			return nil, nil
		}
	}
	sent, err := api.SendMessage(ctx, req)
	if err != nil {
		err = fmt.Errorf("send reply: %w", err)
		if webex.OutcomeUnknown(err) {
			return nil, workers.RetryAfter(err, recheck)
		}
		return nil, Classify(err)
	}
	return sent, nil
}
