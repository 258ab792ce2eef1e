package webexcall

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
)

// Witness finds the bot's own messages by another way than listing the
// room. Webex announces every message the bot posts with a messages/created
// webhook, in group rooms too, where a bot may not list the room: a stored
// event of the bot's message is proof that a POST whose outcome was unknown
// took effect.
type Witness interface {
	// BotMessages returns the ids of the messages botID posted in roomID
	// whose events were stored at or after since.
	BotMessages(ctx context.Context, botID, roomID string, since time.Time) ([]string, error)
}

// StoredEvents is a Witness reading the messages/created events of
// WEBEX_EVENTS.
type StoredEvents struct {
	js jetstream.JetStream
}

// NewStoredEvents returns a Witness reading WEBEX_EVENTS through js.
func NewStoredEvents(js jetstream.JetStream) *StoredEvents { return &StoredEvents{js: js} }

// BotMessages implements Witness. It reads the messages/created events
// stored since since (less clockSkew: ingest stamps them with its own
// clock): of the room's partition when ctx carries an event of the same
// room (a reply's event lands where the event it answers did), else of
// every partition.
func (s *StoredEvents) BotMessages(ctx context.Context, botID, roomID string, since time.Time) ([]string, error) {
	filter := events.EventFilter("messages", "created")
	if ev, ok := workers.EventFrom(ctx); ok && ev.Envelope != nil && ev.Envelope.Data.RoomID == roomID {
		if _, _, p, ok := events.SubjectTokens(ev.Subject); ok {
			filter = events.EventSubject("messages", "created", p)
		}
	}
	if !since.IsZero() {
		since = since.Add(-clockSkew)
	}
	var ids []string
	err := scan.Each(ctx, s.js, scan.Range{Filters: []string{filter}, Since: since}, nil, func(m *scan.Msg) error {
		env, err := events.Decode(m.Data)
		if err == nil && env.Data.RoomID == roomID && env.Data.PersonID == botID && env.Data.ID != "" {
			ids = append(ids, env.Data.ID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look for the bot's messages among the stored events: %w", err)
	}
	return ids, nil
}
