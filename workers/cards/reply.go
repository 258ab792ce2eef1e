package cards

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// reply posts rep in the card's thread. Webex threads are one level deep:
// when the card is itself a reply, its parent is the thread.
func (r *Router) reply(ctx context.Context, ev *workers.Event, sub *Submission, bot string, rep Reply) error {
	if rep.empty() {
		return nil
	}
	thread := sub.Card.ID
	if sub.Card.ParentID != "" {
		thread = sub.Card.ParentID
	}
	req := &webex.MessageRequest{RoomID: sub.RoomID, ParentID: thread, Markdown: rep.Markdown}
	if rep.Card != nil {
		if err := adaptive.Attach(req, *rep.Card); err != nil {
			return workers.Permanent(fmt.Errorf("card handler %q: reply: %w", sub.Action, err))
		}
	} else if err := req.Validate(); err != nil {
		return workers.Permanent(fmt.Errorf("card handler %q: reply: %w", sub.Action, err))
	}
	if ev.Retried() {
		// An earlier delivery may have replied and died before its marker
		// was written, or its POST may have timed out after Webex stored
		// the reply. Look before sending again, once that POST has surely
		// finished: a server restarted after a crash redelivers at once.
		if at := ev.EarlierAttempt(); !at.IsZero() && time.Since(at) < r.cfg.RecheckAfter {
			return workers.RetryAfter(errors.New("an earlier attempt may still be under way at Webex"), r.cfg.RecheckAfter-time.Since(at))
		}
		since, _ := time.Parse(time.RFC3339Nano, sub.Created) // unreadable: no time bound
		w, _ := r.api.(webexcall.Witness)                     // a webexcall.Client is one
		found, err := webexcall.LookForSent(ctx, r.api, w, bot, req, since)
		switch {
		case err != nil:
			return webexcall.Classify(fmt.Errorf("look for an earlier reply: %w", err))
		case found == webexcall.Sent:
			return nil
		case found == webexcall.Unverified:
			if c, ok := r.api.(interface{ UnverifiedResend() }); ok {
				c.UnverifiedResend()
			}
			r.cfg.Logger.Warn("replying again without proof that the earlier attempt did not post: the thread may get two replies",
				"attachment_action", sub.ActionID, "card", sub.Card.ID, "room", sub.RoomID, "delivered", ev.Delivered, "stream_seq", ev.StreamSeq)
		}
		ctx = webexcall.WithLookedFor(ctx) // the client need not look again
	}
	sent, err := r.api.SendMessage(ctx, req)
	if err != nil {
		err = fmt.Errorf("send reply: %w", err)
		if webex.OutcomeUnknown(err) {
			// The reply may be in the thread already; the redelivery looks
			// for it once Webex has surely finished with this attempt.
			return workers.RetryAfter(err, r.cfg.RecheckAfter)
		}
		return webexcall.Classify(err)
	}
	r.cfg.Logger.Info("card reply sent", "action", short(sub.Action, 64), "attachment_action", sub.ActionID,
		"card", sub.Card.ID, "reply", sent.ID, "room", sub.RoomID, "stream_seq", ev.StreamSeq)
	return nil
}

// unknownAction is the polite answer to a submission no handler is
// registered for.
func unknownAction(name string) Reply {
	if name == "" {
		return Text("Sorry, that button isn't connected to anything I can do yet.")
	}
	return Text(fmt.Sprintf("Sorry, I don't know what to do with that button yet (it asked for **%s**).", escape(short(name, 64))))
}
