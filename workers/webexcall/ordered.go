package webexcall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// lookedKey marks a context whose handler already looked for its message.
type lookedKey struct{}

// WithLookedFor returns ctx marked: the handler looked for its message with
// LookForSent on this delivery and found it missing, so a write in ordered
// mode does not look again.
func WithLookedFor(ctx context.Context) context.Context {
	return context.WithValue(ctx, lookedKey{}, true)
}

func lookedFor(ctx context.Context) bool {
	v, _ := ctx.Value(lookedKey{}).(bool)
	return v
}

// writeInPlace makes a write for an event of ordered mode (ev.Ordered). A
// failed write is not stored for the retry worker, which would send it
// after the room's later events: it goes back to the handler and the event
// is retried in place, holding its partition. What the retry worker does
// for an ambiguous POST happens here instead:
//
//   - an outcome that is unknown (timeout, 502, 504) asks for the next
//     delivery after RecheckAfter, once Webex has surely finished with the
//     attempt;
//   - on a redelivery, a POST /messages is first looked for (LookForSent,
//     unless the handler did, see WithLookedFor). Found, the write returns
//     a workers.Ignore error and the event is acked; not provably absent,
//     it is sent, logged at WARN and counted.
func (c *Client) writeInPlace(ctx context.Context, ev *workers.Event, method, path string, body json.RawMessage, send func(context.Context) error) error {
	if ev.Retried() && method == http.MethodPost && path == "/messages" && !lookedFor(ctx) {
		if at := ev.EarlierAttempt(); !at.IsZero() && c.now().Sub(at) < c.recheckAfter {
			// A server restarted after a crash redelivers at once: the
			// earlier attempt's POST may still be under way at Webex.
			return workers.RetryAfter(errors.New("an earlier attempt may still be under way at Webex"), c.recheckAfter-c.now().Sub(at))
		}
		if err := c.lookBeforeResend(ctx, ev, body); err != nil {
			return err
		}
	}
	err := c.call(ctx, method, path, nil, send)
	if err != nil && webex.OutcomeUnknown(err) {
		return workers.RetryAfter(err, c.recheckAfter)
	}
	return forHandler(err)
}

// lookBeforeResend looks for the message body of a redelivered event's POST
// /messages; a nil error means send it.
func (c *Client) lookBeforeResend(ctx context.Context, ev *workers.Event, body json.RawMessage) error {
	var req webex.MessageRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return workers.Permanent(fmt.Errorf("webexcall: decode message: %w", err))
	}
	bot, err := c.BotID(ctx)
	if err != nil {
		return forHandler(err)
	}
	since := ev.Timestamp // the reply cannot be older than the event it answers
	if !since.IsZero() {
		since = since.Add(-clockSkew)
	}
	found, err := LookForSent(ctx, c, c.witness, bot, &req, since)
	switch {
	case err != nil:
		return forHandler(fmt.Errorf("look for an earlier attempt of POST /messages: %w", err))
	case found == Sent:
		return workers.Ignore("POST /messages: an earlier delivery posted the message already")
	case found == Unverified:
		c.UnverifiedResend()
		c.log.Warn("sending POST /messages again without proof that an earlier attempt did not post: the room may get it twice",
			"stream_seq", ev.StreamSeq, "delivered", ev.Delivered, "room", req.RoomID)
	}
	return nil
}
