package cards

import (
	"context"
	"fmt"
	"time"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// reply posts rep in the card's thread. Webex threads are one level deep:
// when the card is itself a reply, its parent is the thread.
func (r *Router) reply(ctx context.Context, ev *workers.Event, sub *Submission, bot string, rep Reply) error {
	if rep.Empty() {
		return nil
	}
	thread := sub.Card.ID
	if sub.Card.ParentID != "" {
		thread = sub.Card.ParentID
	}
	req, err := rep.Request(sub.RoomID, thread)
	if err != nil {
		return fmt.Errorf("card handler %q: %w", sub.Action, err)
	}
	since, _ := time.Parse(time.RFC3339Nano, sub.Created) // unreadable: no time bound
	sent, err := webexcall.SendReply(ctx, r.api, ev, req, webexcall.ReplyRules{
		Bot: bot, Since: since, Recheck: r.cfg.RecheckAfter, Logger: r.cfg.Logger,
		Attrs: []any{"attachment_action", sub.ActionID, "card", sub.Card.ID, "room", sub.RoomID},
	})
	if err != nil || sent == nil {
		return err
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
