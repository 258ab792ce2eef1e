package cards

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// WebexAPI is the part of the Webex client the cards worker calls.
type WebexAPI interface {
	Me(ctx context.Context) (*webex.Person, error)
	AttachmentAction(ctx context.Context, id string) (*webex.AttachmentAction, error)
	Message(ctx context.Context, id string) (*webex.Message, error)
	SendMessage(ctx context.Context, req *webex.MessageRequest) (*webex.Message, error)
	ListMessages(ctx context.Context, p webex.ListMessagesParams) ([]webex.Message, error)
}

// Router is the cards worker's workers.Handler: it turns an
// attachmentActions/created event into a Submission, routes it to the
// Handler registered for its action and posts the reply in the card's
// thread. It is safe for concurrent use.
type Router struct {
	api     WebexAPI
	cfg     Config
	metrics *metrics
	id      *webexcall.Identity
}

// New returns a Router calling Webex through api.
func New(api WebexAPI, cfg Config) (*Router, error) {
	if api == nil {
		return nil, errors.New("cards: a Webex API is required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(cfg.Metrics, cfg.Routes)
	if err != nil {
		return nil, err
	}
	id := cfg.Identity
	if id == nil {
		id = webexcall.NewIdentity(api)
	}
	return &Router{api: api, cfg: cfg, metrics: m, id: id}, nil
}

// Handle implements workers.Handler.
func (r *Router) Handle(ctx context.Context, ev *workers.Event) error {
	bot, err := r.BotID(ctx)
	if err != nil {
		return webexcall.Classify(err)
	}
	if ev.Envelope.Data.PersonID == bot {
		return workers.Ignore("the bot's own action")
	}
	sub, err := r.submission(ctx, ev, bot)
	if err != nil {
		return err
	}
	h, known := r.cfg.Routes[sub.Action]
	reply := unknownAction(sub.Action)
	if known {
		if reply, err = h.HandleCard(ctx, sub); err != nil {
			return fmt.Errorf("card handler %q: %w", sub.Action, err)
		}
	}
	if err := r.reply(ctx, ev, sub, bot, reply); err != nil {
		return err
	}
	if known {
		r.metrics.answered.WithLabelValues(sub.Action).Inc()
		return nil
	}
	r.metrics.unknown.Inc()
	r.cfg.Logger.Info("card submission with an unknown action answered", "action", short(sub.Action, 64),
		"attachment_action", sub.ActionID, "card", sub.Card.ID, "stream_seq", ev.StreamSeq)
	return nil
}

// submission fetches what the webhook only announced: the action with its
// inputs, and the card's message, which must be a card this bot sent.
func (r *Router) submission(ctx context.Context, ev *workers.Event, bot string) (*Submission, error) {
	action, err := r.api.AttachmentAction(ctx, ev.Envelope.Data.ID)
	if err != nil {
		return nil, webexcall.ClassifyFetch("fetch attachment action", err, ev.Delivered)
	}
	if action.PersonID == bot {
		return nil, workers.Ignore("the bot's own action")
	}
	if action.MessageID == "" {
		r.metrics.foreign.Inc()
		return nil, workers.Ignore("attachment action without a card message")
	}
	card, err := r.api.Message(ctx, action.MessageID)
	if err != nil {
		return nil, webexcall.ClassifyFetch("fetch the card's message", err, ev.Delivered)
	}
	if card.PersonID != bot || !slices.ContainsFunc(card.Attachments, isCard) {
		r.metrics.foreign.Inc()
		return nil, workers.Ignore("not a card this bot sent")
	}
	name, _ := action.Inputs[ActionInput].(string)
	// The answer goes to the card's thread, which lives in the card's room.
	room := card.RoomID
	if room == "" {
		room = action.RoomID
	}
	return &Submission{
		Action:   name,
		Inputs:   action.Inputs,
		ActionID: action.ID,
		PersonID: action.PersonID,
		RoomID:   room,
		Created:  action.Created,
		Card:     card,
		Event:    ev,
	}, nil
}

// BotID returns the bot's personId, asking Webex the first time
// (webexcall.Identity).
func (r *Router) BotID(ctx context.Context) (string, error) { return r.id.ID(ctx) }

func isCard(a webex.Attachment) bool { return a.ContentType == webex.AdaptiveCardContentType }
