package echo

import (
	"context"
	"fmt"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/commands"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// Events are the events the echo worker consumes.
var Events = []events.ResourceEvent{{Resource: "messages", Event: "created"}}

// WebexAPI is the part of the Webex client the echo worker calls.
type WebexAPI = commands.WebexAPI

// cardCommand is the command answered with the demo card; its aliases
// select it too.
var cardCommand = commands.Command{Name: "card", Aliases: []string{"/card"}, Help: "a demo form to fill in"}

// intro starts the help reply.
const intro = "I answer every message with what I received: your text and the webhook that told me about it."

// Handler answers messages: a commands.Router whose default answer is the
// echo and whose one command sends the demo card. It is safe for
// concurrent use.
type Handler struct {
	*commands.Router
	cfg  Config
	demo webex.Attachment // the demo card, sent for the card command
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
	h := &Handler{cfg: cfg.withDefaults(), demo: demo}
	card := cardCommand
	card.Handler = commands.HandlerFunc(h.card)
	h.Router, err = commands.New(api, commands.Config{
		Worker:       Name,
		Commands:     []commands.Command{card},
		Default:      commands.HandlerFunc(h.echo),
		Intro:        intro,
		RecheckAfter: h.cfg.RecheckAfter,
		Identity:     h.cfg.Identity,
		Witness:      h.cfg.Witness,
		Logger:       h.cfg.Logger,
		Metrics:      h.cfg.Metrics,
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// echo is the answer to any message that is no command.
func (h *Handler) echo(_ context.Context, m *commands.Message) (webexcall.Reply, error) {
	return webexcall.Text(replyMarkdown(h.cfg.Mode, m.Message.Text, m.Event.Raw)), nil
}

// card sends the demo card for "card" alone; "card" followed by more words
// is an ordinary message and is echoed.
func (h *Handler) card(ctx context.Context, m *commands.Message) (webexcall.Reply, error) {
	if m.Args != "" {
		return h.echo(ctx, m)
	}
	att := h.demo
	return webexcall.Reply{Markdown: cards.DemoFallback, Card: &att}, nil
}

// BotID returns the bot's personId, asking Webex the first time.
func (h *Handler) BotID(ctx context.Context) (string, error) { return h.Identity().ID(ctx) }

// Handle implements workers.Handler.
func (h *Handler) Handle(ctx context.Context, ev *workers.Event) error {
	return h.Router.Handle(ctx, ev)
}
