package echo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// Events are the events the echo worker consumes.
var Events = []events.ResourceEvent{{Resource: "messages", Event: "created"}}

// WebexAPI is the part of the Webex client the echo worker calls.
type WebexAPI interface {
	Me(ctx context.Context) (*webex.Person, error)
	Message(ctx context.Context, id string) (*webex.Message, error)
	SendMessage(ctx context.Context, req *webex.MessageRequest) (*webex.Message, error)
	ListMessages(ctx context.Context, p webex.ListMessagesParams) ([]webex.Message, error)
}

// Handler answers messages. It is safe for concurrent use.
type Handler struct {
	api  WebexAPI
	cfg  Config
	demo webex.Attachment // the demo card, sent for the card command

	mu  sync.Mutex    // guards bot
	bot *webex.Person // the bot itself, learned once from GET /people/me
}

// New returns an echo handler calling Webex through api.
func New(api WebexAPI, cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	demo, err := cards.DemoAttachment()
	if err != nil {
		return nil, fmt.Errorf("demo card: %w", err)
	}
	return &Handler{api: api, cfg: cfg.withDefaults(), demo: demo}, nil
}

// Handle implements workers.Handler.
func (h *Handler) Handle(ctx context.Context, ev *workers.Event) error {
	data := ev.Envelope.Data
	me, err := h.me(ctx)
	if err != nil {
		return webexcall.Classify(err)
	}
	bot := me.ID
	if data.PersonID == bot {
		return workers.Ignore("the bot's own message")
	}
	msg, err := h.api.Message(ctx, data.ID)
	if err != nil {
		// Webex may not serve a message right after announcing it: give a
		// 404 a few deliveries before calling it permanent.
		if apiErr := (*webex.APIError)(nil); errors.As(err, &apiErr) && apiErr.StatusCode == 404 && ev.Delivered < 3 {
			return fmt.Errorf("fetch message: %w", err)
		}
		return webexcall.Classify(fmt.Errorf("fetch message: %w", err))
	}
	if msg.PersonID == bot {
		return workers.Ignore("the bot's own message")
	}
	req := &webex.MessageRequest{RoomID: msg.RoomID, ParentID: msg.ParentID}
	if isCardCommand(msg, me) {
		req.Markdown = cards.DemoFallback
		if err := adaptive.Attach(req, h.demo); err != nil {
			return workers.Permanent(fmt.Errorf("demo card: %w", err))
		}
	} else {
		req.Markdown = replyMarkdown(h.cfg.Mode, msg.Text, ev.Raw)
	}
	if ev.Retried() {
		// An earlier delivery may have replied and died before its marker
		// was written, or its POST may have timed out after Webex stored the
		// reply. Look before sending again, once that POST has surely
		// finished: a server restarted after a crash redelivers at once.
		if wait := h.cfg.RecheckAfter - time.Since(ev.EarlierAttempt()); !ev.EarlierAttempt().IsZero() && wait > 0 {
			return workers.RetryAfter(errors.New("an earlier attempt may still be under way at Webex"), wait)
		}
		since, _ := time.Parse(time.RFC3339Nano, msg.Created) // unreadable: no time bound
		found, err := webexcall.LookForSent(ctx, h.api, h.witness(), bot, req, since)
		switch {
		case err != nil:
			return webexcall.Classify(fmt.Errorf("look for an earlier reply: %w", err))
		case found == webexcall.Sent:
			return workers.Ignore("reply already in the room")
		case found == webexcall.Unverified:
			h.unverifiedResend(ev, msg)
		}
		ctx = webexcall.WithLookedFor(ctx) // the client need not look again
	}
	reply, err := h.api.SendMessage(ctx, req)
	if err != nil {
		err = fmt.Errorf("send reply: %w", err)
		if webex.OutcomeUnknown(err) {
			// The reply may be in the room already. The redelivery looks
			// for it, once Webex has surely finished with this attempt.
			return workers.RetryAfter(err, h.cfg.RecheckAfter)
		}
		return webexcall.Classify(err)
	}
	h.cfg.Logger.Info("echo reply sent", "message", msg.ID, "reply", reply.ID, "room", msg.RoomID, "card", len(req.Attachments) > 0, "stream_seq", ev.StreamSeq)
	return nil
}

// witness is where the bot's own replies are looked for when the room
// cannot be listed: Config.Witness, else the API when it is one (a
// webexcall.Client is).
func (h *Handler) witness() webexcall.Witness {
	if h.cfg.Witness != nil {
		return h.cfg.Witness
	}
	w, _ := h.api.(webexcall.Witness)
	return w
}

// unverifiedResend warns that the reply about to be sent again may double
// an earlier one, and counts it where the API keeps such a count (a
// webexcall.Client does).
func (h *Handler) unverifiedResend(ev *workers.Event, msg *webex.Message) {
	if c, ok := h.api.(interface{ UnverifiedResend() }); ok {
		c.UnverifiedResend()
	}
	h.cfg.Logger.Warn("replying again without proof that the earlier attempt did not post: the room may get two replies",
		"message", msg.ID, "room", msg.RoomID, "room_type", msg.RoomType, "delivered", ev.Delivered, "stream_seq", ev.StreamSeq)
}

// BotID returns the bot's personId, asking Webex the first time. A failure
// is not cached: the next call asks again.
func (h *Handler) BotID(ctx context.Context) (string, error) {
	me, err := h.me(ctx)
	if err != nil {
		return "", err
	}
	return me.ID, nil
}

// me returns the bot's identity, asking Webex the first time. Its id is the
// loop guard; its name is how users mention it.
func (h *Handler) me(ctx context.Context) (*webex.Person, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.bot != nil {
		return h.bot, nil
	}
	me, err := h.api.Me(ctx)
	if err != nil {
		return nil, fmt.Errorf("who am I: %w", err)
	}
	if me.ID == "" {
		return nil, workers.Permanent(errors.New("who am I: GET /people/me returned no id"))
	}
	h.bot = me
	return h.bot, nil
}
