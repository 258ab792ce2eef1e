package commands

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// WebexAPI is the part of a Webex client a Router calls; *webex.Client and
// *webexcall.Client (with the shared pause and the outbox) both satisfy it.
type WebexAPI interface {
	webexcall.PersonGetter
	webexcall.Sender
	Message(ctx context.Context, id string) (*webex.Message, error)
}

// Router is a workers.Handler for messages/created that answers text
// commands (see the package comment for the rules it applies). It is safe
// for concurrent use.
type Router struct {
	api     WebexAPI
	cfg     Config
	id      *webexcall.Identity
	byWord  map[string]*Command
	help    string
	metrics *metrics
}

// New returns a Router calling Webex through api.
func New(api WebexAPI, cfg Config) (*Router, error) {
	if api == nil {
		return nil, errors.New("commands: a Webex API is required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := &Router{api: api, cfg: cfg, id: cfg.Identity, byWord: map[string]*Command{}}
	if r.id == nil {
		r.id = webexcall.NewIdentity(api)
	}
	names := make([]string, 0, len(cfg.Commands))
	for i := range cfg.Commands {
		cmd := &cfg.Commands[i]
		for _, w := range append([]string{cmd.Name}, cmd.Aliases...) {
			word, _ := split(w)
			r.byWord[word] = cmd
		}
		names = append(names, strings.ToLower(cmd.Name))
	}
	r.help = helpText(cfg)
	m, err := newMetrics(cfg.Metrics, cfg.Worker, names)
	if err != nil {
		return nil, err
	}
	r.metrics = m
	return r, nil
}

// Identity is the bot as the router learns it.
func (r *Router) Identity() *webexcall.Identity { return r.id }

// Handle implements workers.Handler.
func (r *Router) Handle(ctx context.Context, ev *workers.Event) error {
	me, err := r.id.Me(ctx)
	if err != nil {
		return webexcall.Classify(err)
	}
	if ev.Envelope.Data.PersonID == me.ID {
		return workers.Ignore("the bot's own message")
	}
	msg, err := r.api.Message(ctx, ev.Envelope.Data.ID)
	if err != nil {
		return webexcall.ClassifyFetch("fetch message", err, ev.Delivered)
	}
	if msg.PersonID == me.ID {
		return workers.Ignore("the bot's own message")
	}
	m := &Message{Message: msg, Bot: me, Event: ev}
	m.Command, m.Args, m.Text = Parse(msg, me)
	label, h := r.route(m.Command)
	rep, err := h.HandleCommand(ctx, m)
	if err != nil {
		return fmt.Errorf("command %s: %w", label, err)
	}
	if rep.Empty() {
		r.metrics.handled.WithLabelValues(label).Inc()
		return nil
	}
	req, err := rep.Request(msg.RoomID, msg.ParentID)
	if err != nil {
		return fmt.Errorf("command %s: %w", label, err)
	}
	since, _ := time.Parse(time.RFC3339Nano, msg.Created) // unreadable: no time bound
	sent, err := webexcall.SendReply(ctx, r.api, ev, req, webexcall.ReplyRules{
		Bot: me.ID, Since: since, Recheck: r.cfg.RecheckAfter, Witness: r.cfg.Witness, Logger: r.cfg.Logger,
		Attrs: []any{"worker", r.cfg.Worker, "message", msg.ID, "room", msg.RoomID, "room_type", msg.RoomType},
	})
	if err != nil {
		return err
	}
	r.metrics.handled.WithLabelValues(label).Inc()
	if sent == nil {
		return workers.Ignore("reply already in the room")
	}
	r.cfg.Logger.Info(r.cfg.Worker+" reply sent", "command", label, "message", msg.ID, "reply", sent.ID,
		"room", msg.RoomID, "card", rep.Card != nil, "stream_seq", ev.StreamSeq)
	return nil
}

// route picks the handler of a command word and the label it is counted
// under: a registered name, "help", "default" or "unknown". Labels come
// from the configuration only, so users cannot grow the series.
func (r *Router) route(word string) (string, Handler) {
	if cmd, ok := r.byWord[word]; ok {
		return strings.ToLower(cmd.Name), cmd.Handler
	}
	if word == HelpCommand {
		return HelpCommand, HandlerFunc(func(context.Context, *Message) (webexcall.Reply, error) {
			return webexcall.Text(r.help), nil
		})
	}
	if r.cfg.Default != nil {
		return "default", r.cfg.Default
	}
	return "unknown", HandlerFunc(func(_ context.Context, m *Message) (webexcall.Reply, error) {
		return webexcall.Text(unknownCommand(m.Command)), nil
	})
}

// helpText lists the commands that have a description, sorted by name.
func helpText(cfg Config) string {
	var b strings.Builder
	if cfg.Intro != "" {
		b.WriteString(cfg.Intro)
		b.WriteString("\n\n")
	}
	cmds := make([]Command, 0, len(cfg.Commands))
	for _, c := range cfg.Commands {
		if c.Help != "" {
			cmds = append(cmds, c)
		}
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	if len(cmds) == 0 {
		b.WriteString("I know no commands.")
		return b.String()
	}
	b.WriteString("Commands:\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "- **%s**", webex.EscapeMarkdown(c.Name))
		for _, a := range c.Aliases {
			fmt.Fprintf(&b, " (or **%s**)", webex.EscapeMarkdown(a))
		}
		fmt.Fprintf(&b, ": %s\n", c.Help)
	}
	return strings.TrimRight(b.String(), "\n")
}

// unknownCommand is the answer to a word no command has, when the router
// has no Default. The word is the user's: it is cut and escaped.
func unknownCommand(word string) string {
	if word == "" {
		return "Write **help** to see what I can do."
	}
	if len(word) > 32 {
		word = word[:32]
		for len(word) > 0 && !utf8RuneStart(word[len(word)-1]) {
			word = word[:len(word)-1]
		}
	}
	return fmt.Sprintf("I don't know **%s**. Write **help** to see what I can do.", webex.EscapeMarkdown(word))
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
