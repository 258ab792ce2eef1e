package commands

import (
	"context"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// Handler answers one command. HandleCommand may be called concurrently
// and must respect ctx. It returns the reply to post (an empty Reply posts
// nothing); an error means no answer could be made, classified as for any
// workers.Handler.
type Handler interface {
	HandleCommand(ctx context.Context, m *Message) (webexcall.Reply, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m *Message) (webexcall.Reply, error)

// HandleCommand calls f(ctx, m).
func (f HandlerFunc) HandleCommand(ctx context.Context, m *Message) (webexcall.Reply, error) {
	return f(ctx, m)
}

// Message is one user message as a command handler sees it. Handlers read
// it and must not keep it after HandleCommand returns.
type Message struct {
	// Message is the message as Webex serves it (text, markdown, files,
	// room, thread, author).
	*webex.Message
	// Command is the first word of Text in lower case ("" for a message
	// without text); Args is the rest of Text, trimmed.
	Command string
	Args    string
	// Text is what the user wrote to the bot, without the mention of the
	// bot (CommandText).
	Text string
	// Bot is the bot itself.
	Bot *webex.Person
	// Event is the stored webhook that announced the message.
	Event *workers.Event
}
