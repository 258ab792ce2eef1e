package outbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// Store puts call records on WEBEX_CALLS. It is safe for concurrent use.
type Store struct {
	js jetstream.JetStream
}

// NewStore returns a Store writing through js.
func NewStore(js jetstream.JetStream) *Store { return &Store{js: js} }

// JetStream is the connection the store writes through.
func (s *Store) JetStream() jetstream.JetStream { return s.js }

// Put stores c on its subject, replacing any older record of the same call,
// and waits for JetStream's acknowledgement. A record already stored with
// the same MsgID within the duplicate window is not stored again; dup says
// so.
func (s *Store) Put(ctx context.Context, c *Call) (dup bool, err error) {
	if !events.ValidToken(c.Worker) {
		return false, fmt.Errorf("store call %s: worker %q: %w", c.ID, c.Worker, events.ErrUnsafeToken)
	}
	b, err := c.Encode()
	if err != nil {
		return false, err
	}
	msg := nats.NewMsg(c.Subject())
	msg.Data = b
	msg.Header.Set(events.HeaderCallID, c.ID)
	events.SetBot(msg.Header, events.BotOrDefault(c.Bot))
	ack, err := s.js.PublishMsg(ctx, msg, jetstream.WithMsgID(c.MsgID()), jetstream.WithExpectStream(events.CallsStream))
	if err != nil {
		return false, fmt.Errorf("store call %s on %s: %w", c.ID, msg.Subject, err)
	}
	return ack.Duplicate, nil
}

// Pending reports whether a record of the default bot's call worker/id
// waits on WEBEX_CALLS.
func (s *Store) Pending(ctx context.Context, worker, id string) (bool, error) {
	return s.pending(ctx, events.CallSubject(worker, id), id)
}

// PendingCall reports whether a record of c (its worker, bot and id)
// waits on WEBEX_CALLS.
func (s *Store) PendingCall(ctx context.Context, c *Call) (bool, error) {
	return s.pending(ctx, c.Subject(), c.ID)
}

func (s *Store) pending(ctx context.Context, subject, id string) (bool, error) {
	stream, err := s.js.Stream(ctx, events.CallsStream)
	if err != nil {
		return false, fmt.Errorf("look up call %s: %w", id, err)
	}
	_, err = stream.GetLastMsgForSubject(ctx, subject)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up call %s: %w", id, err)
	}
	return true, nil
}
