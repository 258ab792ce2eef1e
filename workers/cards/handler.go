package cards

import (
	"context"
	"strconv"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// ActionInput is the input that names a submission's handler: put it in the
// data of the card's Action.Submit, e.g. {"action": "vote"}.
const ActionInput = "action"

// Handler answers the submissions of one kind of card. HandleCard may be
// called concurrently and must respect ctx. It returns the reply to post in
// the card's thread (an empty Reply posts nothing); an error means no
// answer could be made, classified as for any workers.Handler.
type Handler interface {
	HandleCard(ctx context.Context, s *Submission) (Reply, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, s *Submission) (Reply, error)

// HandleCard calls f(ctx, s).
func (f HandlerFunc) HandleCard(ctx context.Context, s *Submission) (Reply, error) { return f(ctx, s) }

// Submission is one card submission as a handler sees it. Handlers read it
// and must not keep it after HandleCard returns.
type Submission struct {
	// Action is the submitted action value that chose the handler.
	Action string
	// Inputs are the card's input values by input id, merged with the
	// data of the pressed button, as Webex returns them (values are
	// usually strings; see Input).
	Inputs map[string]any
	// ActionID is the attachment action; PersonID pressed the button, in
	// RoomID, at Created.
	ActionID string
	PersonID string
	RoomID   string
	Created  string
	// Card is the bot's message that carries the card.
	Card *webex.Message
	// Event is the stored webhook that announced the submission.
	Event *workers.Event
}

// Input returns the value of input id as text: Webex submits every input
// as a string, but a card's data may hold numbers or booleans. A missing
// input, or one holding a list or object, is "".
func (s *Submission) Input(id string) string {
	switch v := s.Inputs[id].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// Reply is what the bot answers in the card's thread: Markdown, and
// optionally another card (then Markdown is its fallback text and must not
// be empty). The zero Reply answers nothing.
type Reply = webexcall.Reply

// Text returns a Reply of markdown.
func Text(markdown string) Reply { return webexcall.Text(markdown) }
